"""The CDK Terrain app that `cdktf.json` names: every stack of one environment.

`cdktn synth|deploy` runs `python -m stacks.app`; the environment comes from
`LAKEWARD_ENV` or the `lakewardEnvironment` context key (default `dev`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cdktn import App

from infra.config import Environment, load_environment
from lakeward.releases.files import load_releases
from lakeward.releases.model import ReleaseFile
from lakeward.tenants.loader import TENANTS_DIR, load_tenants, tenants_in
from lakeward.tenants.model import Tenant
from lakeward.wheel import Wheel, project_wheel
from stacks.account import AccountStack
from stacks.base import Backend, LakewardStack
from stacks.foundation import FoundationStack
from stacks.metastore import MetastoreStack
from stacks.retrieval import RetrievalStack
from stacks.serving import ServingStack
from stacks.tenant import TenantStack
from stacks.workspace import WorkspaceStack

# S3-native state locking (`use_lockfile`) needs Terraform 1.10+; cdktf.json declares the same targets.
APP_CONTEXT = {"targetVersions": {"terraform": ">=1.10.0"}}


@dataclass
class Footprint:
    """The stacks of one environment, for callers that wire or inspect them."""

    foundation: FoundationStack
    account: AccountStack
    workspace: WorkspaceStack
    retrieval: RetrievalStack
    serving: ServingStack
    metastore: MetastoreStack | None = None
    tenants: list[TenantStack] = field(default_factory=list)

    def stacks(self) -> list[LakewardStack]:
        """Every stack, in deploy order."""
        first = [self.metastore] if self.metastore else []
        platform = [self.foundation, self.account, self.workspace]
        return [*first, *platform, *self.tenants, self.retrieval, self.serving]


def build_footprint(
    app: App,
    env: Environment,
    backend: Backend | None = None,
    tenants: list[Tenant] | None = None,
    releases: ReleaseFile | None = None,
    wheel: Wheel | None = None,
) -> Footprint:
    """Add the stacks of `env` to `app` (the metastore stack only where `env` creates the region's
    metastore), and one stack per tenant; `releases` (none: nothing served) decides the endpoints. The
    workspace uploads `wheel`, by default the wheel of this checkout (built once per change of its
    sources)."""
    releases = releases or ReleaseFile()
    metastore = MetastoreStack(app, env=env, backend=backend) if env.metastore.create else None
    foundation = FoundationStack(app, env=env, backend=backend)
    account = AccountStack(app, foundation=foundation, backend=backend)
    if metastore:
        # The account stack finds the metastore by region while planning: it must exist by then.
        account.add_dependency(metastore)
    workspace = WorkspaceStack(
        app, foundation=foundation, account=account, wheel=wheel or project_wheel(), backend=backend
    )
    tenant_stacks = [
        TenantStack(app, env=env, tenant=tenant, backend=backend, killed=releases.tenant_killed(tenant.name))
        for tenant in tenants or []
    ]
    retrieval = RetrievalStack(
        app, account=account, workspace=workspace, tenants=tenants or [], backend=backend
    )
    for stack in (workspace, *tenant_stacks):
        # The indexes read tables in the catalogs these stacks create.
        retrieval.add_dependency(stack)
    serving = ServingStack(app, account=account, workspace=workspace, releases=releases, backend=backend)
    return Footprint(foundation, account, workspace, retrieval, serving, metastore, tenant_stacks)


def main() -> None:
    app = App(context=APP_CONTEXT)
    name = os.environ.get("LAKEWARD_ENV") or app.node.try_get_context("lakewardEnvironment") or "dev"
    env = load_environment(name)
    tenants = tenants_in(env.name, load_tenants()) if TENANTS_DIR.is_dir() else []
    build_footprint(app, env, tenants=tenants, releases=load_releases(env))
    app.synth()


if __name__ == "__main__":
    main()
