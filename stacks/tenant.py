"""One stack per tenant and environment: `lakeward-<env>-tenant-<name>`.

It reads the workspace and the catalog storage from the account and foundation stacks' state, so
synthesizing or planning one tenant builds no other stack and imports no AWS provider.
"""

from __future__ import annotations

from cdktn_provider_databricks.provider import DatabricksProvider
from constructs import Construct

from infra.config import Environment
from infra.workspace.tenant import TenantFootprint, TenantInputs
from lakeward.tenants.model import Tenant
from stacks.base import ACCOUNTS_HOST, Backend, LakewardStack


def tenant_stack_name(env: Environment, tenant_name: str) -> str:
    return f"{env.prefix}-tenant-{tenant_name}"


class TenantStack(LakewardStack):
    """A tenant's catalog, access, compute, secrets, serving and budget in one environment."""

    def __init__(
        self, scope: Construct, *, env: Environment, tenant: Tenant, backend: Backend | None = None
    ) -> None:
        super().__init__(
            scope, tenant_stack_name(env, tenant.name), env=env, backend=backend, tags=tenant.tags()
        )
        self.tenant = tenant
        account = self.remote_state("account", f"{env.prefix}-account")
        foundation = self.remote_state("foundation", f"{env.prefix}-foundation")
        DatabricksProvider(self, "databricks", host=account.get_string("workspace_url"))
        account_provider = DatabricksProvider(
            self,
            "databricks-account",
            alias="account",
            host=ACCOUNTS_HOST,
            account_id=env.databricks.account_id,
        )
        binding = next(ref.binding for ref in tenant.spec.workspaces if ref.name == env.name)
        self.footprint = TenantFootprint(
            self,
            "tenant",
            env=env,
            tenant=tenant,
            inputs=TenantInputs(
                workspace_id=account.get_number("workspace_id"),
                storage_bucket=foundation.get_string("unity_catalog_bucket"),
                binding=binding,
                account_provider=account_provider,
            ),
        )
