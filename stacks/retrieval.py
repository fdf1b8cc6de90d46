"""The retrieval stack: the Vector Search endpoint and its Delta Sync indexes, one over the platform's
tables and one over each active tenant's. It is applied after the tables exist (they are made by
`lakeward bootstrap` and the pipeline, in catalogs the workspace and tenant stacks create), since an
index is created from its source table."""

from __future__ import annotations

from cdktn_provider_databricks.provider import DatabricksProvider
from constructs import Construct

from infra.workspace.vector_search import VectorSearch
from lakeward.tenants.model import Tenant
from lakeward.tenants.namespace import Namespace
from stacks.account import AccountStack
from stacks.base import Backend, LakewardStack
from stacks.names import RETRIEVAL, stack_id
from stacks.workspace import WorkspaceStack


class RetrievalStack(LakewardStack):
    """The endpoint and an index per table set; archived tenants keep their tables but get no index.
    The endpoint's ACL names the groups the workspace stack assigned to the workspace (read from its
    state)."""

    def __init__(
        self,
        scope: Construct,
        *,
        account: AccountStack,
        workspace: WorkspaceStack,
        tenants: list[Tenant],
        backend: Backend | None = None,
    ) -> None:
        env = account.env
        super().__init__(scope, stack_id(env.name, RETRIEVAL), env=env, backend=backend)
        DatabricksProvider(self, "databricks", host=account.workspace_url)
        catalogs = [env.catalog.name] + [
            Namespace.of(tenant, env).catalog for tenant in tenants if not tenant.archived
        ]
        self.vector_search = VectorSearch(
            self,
            "vector-search",
            env=env,
            budget_policy_id=account.budget.policy_id,
            groups=workspace.groups.names,
            catalogs=catalogs,
        )
