"""The serverless budget policy: attributes the workspace's serverless usage (serving, vector search)."""

from __future__ import annotations

from cdktn_provider_databricks.budget_policy import BudgetPolicy, BudgetPolicyCustomTags
from constructs import Construct

from infra.config import Environment


class ServerlessBudgetPolicy(Construct):
    """One budget policy per environment, bound to its workspace and tagged like everything else."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment, workspace_id: float) -> None:
        super().__init__(scope, id_)
        self.policy = BudgetPolicy(
            self,
            "policy",
            policy_name=f"{env.prefix}-serverless",
            binding_workspace_ids=[workspace_id],
            custom_tags=[
                BudgetPolicyCustomTags(key=key, value=value) for key, value in env.resource_tags().items()
            ],
        )
        self.policy_id = self.policy.policy_id
