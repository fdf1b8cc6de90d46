"""Stack IDs, built and read only here: `lakeward-<env>-<kind>` for the platform stacks of an
environment and `lakeward-<env>-tenant-<tenant>` for each tenant. A stack's ID is also its folder
under `OUT/stacks/` and its state key. Standard library only, so any package may import it."""

from __future__ import annotations

import re
from dataclasses import dataclass

METASTORE = "metastore"
FOUNDATION = "foundation"
ACCOUNT = "account"
WORKSPACE = "workspace"
RETRIEVAL = "retrieval"
SERVING = "serving"
TENANT = "tenant"
# In deploy order (the tenant stacks go between the workspace and retrieval stacks); only the
# environment that creates the region's metastore has a metastore stack.
PLATFORM_KINDS = (METASTORE, FOUNDATION, ACCOUNT, WORKSPACE, RETRIEVAL, SERVING)

_PROJECT = "lakeward"
# Tenant names hold no dash, so the last `-tenant-` separates environment and tenant.
_TENANT_ID = re.compile(rf"^{_PROJECT}-(?P<env>[a-z0-9*-]+?)-{TENANT}-(?P<tenant>[a-z0-9_*]+)$")
_PLATFORM_ID = re.compile(rf"^{_PROJECT}-(?P<env>[a-z0-9*-]+?)-(?P<kind>{'|'.join(PLATFORM_KINDS)})$")


@dataclass(frozen=True)
class StackId:
    """What a stack ID says: its environment, its kind and, for a tenant stack, the tenant."""

    env: str
    kind: str
    tenant: str | None = None


def stack_id(env: str, kind: str) -> str:
    """The ID of the `kind` stack (metastore, foundation, account, workspace, retrieval, serving) of the
    environment named `env`."""
    if kind not in PLATFORM_KINDS:
        raise ValueError(f"unknown stack kind '{kind}': use one of {', '.join(PLATFORM_KINDS)}")
    return f"{_PROJECT}-{env}-{kind}"


def tenant_stack_id(env: str, tenant: str) -> str:
    """The ID of `tenant`'s stack in the environment named `env`."""
    return f"{_PROJECT}-{env}-{TENANT}-{tenant}"


def parse_stack_id(stack: str) -> StackId:
    """Read a stack ID back into its parts; `ValueError` when `stack` is not one."""
    if match := _TENANT_ID.match(stack):
        return StackId(match["env"], TENANT, match["tenant"])
    if match := _PLATFORM_ID.match(stack):
        return StackId(match["env"], match["kind"])
    raise ValueError(f"'{stack}' is not a stack ID such as {stack_id('dev', FOUNDATION)}")
