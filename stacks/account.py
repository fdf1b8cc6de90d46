"""The Databricks account half of one environment: the private-link workspace and its governance."""

from __future__ import annotations

from cdktn import TerraformOutput
from cdktn_provider_databricks.provider import DatabricksProvider
from constructs import Construct

from infra.account.audit_logs import AuditLogDelivery
from infra.account.budget import ServerlessBudgetPolicy
from infra.account.metastore import MetastoreBinding
from infra.account.workspace import PrivateLinkWorkspace, WorkspaceInputs
from stacks.base import ACCOUNTS_HOST, Backend, LakewardStack
from stacks.foundation import FoundationStack


class AccountStack(LakewardStack):
    """Credentials, storage, network, private access, keys, workspace, metastore, budget and audit logs."""

    def __init__(
        self, scope: Construct, *, foundation: FoundationStack, backend: Backend | None = None
    ) -> None:
        env = foundation.env
        super().__init__(scope, f"{env.prefix}-account", env=env, backend=backend)
        DatabricksProvider(self, "databricks", host=ACCOUNTS_HOST, account_id=env.databricks.account_id)
        network, keys = foundation.network, foundation.keys
        self.workspace = PrivateLinkWorkspace(
            self,
            "workspace",
            env=env,
            inputs=WorkspaceInputs(
                cross_account_role_arn=foundation.cross_account.role.arn,
                root_bucket_name=foundation.root.name,
                vpc_id=network.vpc.id,
                subnet_ids=[subnet.id for subnet in network.private_subnets],
                security_group_id=network.workspace_sg.id,
                workspace_endpoint_id=network.workspace_endpoint.id,
                relay_endpoint_id=network.relay_endpoint.id,
                managed_services_key_arn=keys.managed_services.arn,
                managed_services_key_alias=f"alias/{env.prefix}-managed-services",
                storage_key_arn=keys.storage.arn,
                storage_key_alias=f"alias/{env.prefix}-workspace-storage",
            ),
        )
        self.metastore = MetastoreBinding(
            self, "metastore", env=env, workspace_id=self.workspace.workspace.workspace_id
        )
        AuditLogDelivery(
            self,
            "audit-logs",
            env=env,
            role_arn=foundation.log_delivery.role.arn,
            bucket_name=foundation.logs.name,
        )
        self.budget = ServerlessBudgetPolicy(
            self, "budget", env=env, workspace_id=self.workspace.workspace.workspace_id
        )
        self.workspace_url = self.workspace.workspace.workspace_url
        # Read by tenant stacks through remote state, so planning a tenant never builds this stack.
        TerraformOutput(self, "workspace_url", value=self.workspace_url)
        TerraformOutput(self, "workspace_id", value=self.workspace.workspace.workspace_id)
