"""The serving stack: the environment's model serving endpoints, applied after the workspace stack and
after `lakeward release` has registered the model versions they serve (each endpoint reads its
versions while planning). The release file decides what each endpoint serves; an endpoint without a
champion is left out."""

from __future__ import annotations

from cdktn_provider_databricks.provider import DatabricksProvider
from constructs import Construct

from infra.workspace.serving import ServingEndpoints
from lakeward.releases.model import ReleaseFile
from stacks.account import AccountStack
from stacks.base import Backend, LakewardStack
from stacks.names import SERVING, stack_id
from stacks.workspace import WorkspaceStack


class ServingStack(LakewardStack):
    """Model serving endpoints behind the AI gateway; their ACLs name the groups the workspace stack
    assigned to the workspace (read from its state)."""

    def __init__(
        self,
        scope: Construct,
        *,
        account: AccountStack,
        workspace: WorkspaceStack,
        releases: ReleaseFile,
        backend: Backend | None = None,
    ) -> None:
        env = account.env
        super().__init__(scope, stack_id(env.name, SERVING), env=env, backend=backend)
        DatabricksProvider(self, "databricks", host=account.workspace_url)
        self.endpoints = ServingEndpoints(
            self,
            "serving",
            env=env,
            releases=releases,
            inference_schema="evaluation",
            budget_policy_id=account.budget.policy_id,
            groups=workspace.groups.names,
        )
