"""The deploy stages, in order: which stacks or steps each deploys and which stages must be done
before it. `lakeward synth --json` lists them with the stack IDs of the environment, the README's
"Deploy order" section is rendered from them (a test keeps the two equal), and the tests check the
synthesized stacks against them: no stack reads a stage it does not need, every wheel a job installs
is uploaded no later than the job, and nothing serves a model or calls a Unity Catalog function
before a stage that creates it. Standard library only, like `stacks.names`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stacks.names import (
    ACCOUNT,
    FOUNDATION,
    METASTORE,
    RETRIEVAL,
    SERVING,
    TENANT,
    WORKSPACE,
    parse_stack_id,
)

# What a step creates that Terraform cannot, and stacks then use.
UC_FUNCTIONS = "Unity Catalog functions"
MODEL_VERSION = "the released model version"

Kind = Literal["stack", "step"]


@dataclass(frozen=True)
class Stage:
    """One deploy stage: a stack kind (`stack_kind`) or a command (`run`), the stages it needs done
    first, and what it creates that later stages rely on."""

    name: str
    kind: Kind
    summary: str
    needs: tuple[str, ...] = ()
    stack_kind: str | None = None
    run: str | None = None
    creates: tuple[str, ...] = ()

    def stacks(self, stack_ids: list[str]) -> list[str]:
        """The IDs among `stack_ids` that this stage deploys (none for a step)."""
        return sorted(s for s in stack_ids if self.stack_kind and _kind(s) == self.stack_kind)

    def as_dict(self, stack_ids: list[str]) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "stacks": self.stacks(stack_ids),
            "needs": list(self.needs),
            **({"run": self.run} if self.run else {}),
        }


def _kind(stack_id: str) -> str | None:
    try:
        return parse_stack_id(stack_id).kind
    except ValueError:  # a stack kind these names do not know yet
        return stack_id.rsplit("-", 1)[-1]


STAGES = (
    Stage(
        "metastore",
        "stack",
        "the region's metastore, only in the environment that creates it",
        stack_kind=METASTORE,
    ),
    Stage("foundation", "stack", "AWS network, storage, KMS keys and IAM roles", stack_kind=FOUNDATION),
    Stage(
        "account",
        "stack",
        "the workspace, its network configuration, groups and budget",
        needs=("metastore", "foundation"),
        stack_kind=ACCOUNT,
    ),
    Stage(
        "workspace",
        "stack",
        "catalog, schemas, volumes, cluster policies, pools, secret scopes, the SQL warehouse, "
        "the wheel upload and the jobs; no model and no Unity Catalog function",
        needs=("foundation", "account"),
        stack_kind=WORKSPACE,
    ),
    Stage(
        "bootstrap",
        "step",
        "SQL on the workspace's serverless SQL warehouse: mask and row-filter functions, governed "
        "tags and the pipeline's Delta tables, idempotently",
        needs=("workspace",),
        run="lakeward bootstrap --env ENV",
        creates=(UC_FUNCTIONS,),
    ),
    Stage(
        "tenants",
        "stack",
        "one stack per tenant; its ABAC policies call the bootstrap's functions",
        needs=("account", "workspace", "bootstrap"),
        stack_kind=TENANT,
    ),
    Stage(
        "tenant-tables",
        "step",
        "the bootstrap again, now that the tenant stacks made the tenants' catalogs: each active "
        "tenant's pipeline Delta tables (change data feed on) in its catalog's `curated` schema",
        needs=("workspace", "tenants"),
        run="lakeward bootstrap --env ENV",
    ),
    Stage(
        "retrieval",
        "stack",
        "the Vector Search endpoint and a Delta Sync index over each set of pipeline tables (the "
        "platform's and each active tenant's); its plan stops while a source table does not exist",
        needs=("workspace", "bootstrap", "tenants", "tenant-tables"),
        stack_kind=RETRIEVAL,
    ),
    Stage(
        "release",
        "step",
        "registers the model version and moves the alias named in releases/<env>.yaml",
        needs=("workspace", "retrieval"),
        run="lakeward release",
        creates=(MODEL_VERSION,),
    ),
    Stage(
        "serving",
        "stack",
        "the serving endpoint of the released model; without a champion, no endpoint",
        needs=("account", "workspace", "release"),
        stack_kind=SERVING,
    ),
)


def stage_named(name: str) -> Stage:
    [stage] = [stage for stage in STAGES if stage.name == name]
    return stage


def stage_of(stack_id: str) -> Stage:
    """The stage that deploys `stack_id`."""
    [stage] = [stage for stage in STAGES if stage.stack_kind == _kind(stack_id)]
    return stage


def prerequisites(name: str) -> set[str]:
    """Every stage that must be done before `name`: its needs and theirs."""
    found: set[str] = set()
    pending = list(stage_named(name).needs)
    while pending:
        need = pending.pop()
        if need not in found:
            found.add(need)
            pending.extend(stage_named(need).needs)
    return found


def deploy_order_markdown() -> str:
    """The README's "Deploy order" list."""
    lines = []
    for number, stage in enumerate(STAGES, start=1):
        how = f"stack `lakeward-<env>-{stage.stack_kind}`" if stage.stack_kind else f"step `{stage.run}`"
        if stage.stack_kind == TENANT:
            how = "stacks `lakeward-<env>-tenant-<tenant>`"
        needs = ", ".join(f"`{need}`" for need in stage.needs) or "nothing"
        lines.append(f"{number}. **{stage.name}** ({how}): {stage.summary}. Needs {needs}.")
    return "\n".join(lines) + "\n"
