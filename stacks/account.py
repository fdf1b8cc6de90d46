"""The Databricks account half of one environment: the private-link workspace and its governance."""

from __future__ import annotations

from cdktn import TerraformOutput
from cdktn_provider_databricks.provider import DatabricksProvider
from constructs import Construct

from infra.account.audit_logs import AuditLogDelivery
from infra.account.budget import ServerlessBudgetPolicy
from infra.account.metastore import MetastoreBinding
from infra.account.workspace import PrivateLinkWorkspace, WorkspaceInputs
from stacks import outputs
from stacks.base import ACCOUNTS_HOST, Backend, LakewardStack
from stacks.foundation import FoundationStack
from stacks.names import ACCOUNT, stack_id


class AccountStack(LakewardStack):
    """Credentials, storage, network, private access, keys, workspace, metastore, budget and audit logs."""

    def __init__(
        self, scope: Construct, *, foundation: FoundationStack, backend: Backend | None = None
    ) -> None:
        env = foundation.env
        super().__init__(scope, stack_id(env.name, ACCOUNT), env=env, backend=backend)
        DatabricksProvider(self, "databricks", host=ACCOUNTS_HOST, account_id=env.databricks.account_id)
        network, keys = foundation.network, foundation.keys
        self.workspace = PrivateLinkWorkspace(
            self,
            "workspace",
            env=env,
            inputs=WorkspaceInputs(
                cross_account_role_arn=foundation.cross_account.arn,
                root_bucket_name=foundation.root.name,
                vpc_id=network.vpc_id,
                subnet_ids=network.private_subnet_ids,
                security_group_id=network.workspace_security_group_id,
                workspace_endpoint_id=network.workspace_endpoint_id,
                relay_endpoint_id=network.relay_endpoint_id,
                managed_services_key_arn=keys.managed_services_arn,
                managed_services_key_alias=keys.managed_services_alias,
                storage_key_arn=keys.storage_arn,
                storage_key_alias=keys.storage_alias,
            ),
        )
        self.metastore = MetastoreBinding(
            self, "metastore", env=env, workspace_id=self.workspace.workspace_id
        )
        AuditLogDelivery(
            self,
            "audit-logs",
            env=env,
            role_arn=foundation.log_delivery.arn,
            bucket_name=foundation.logs.name,
            workspace_id=self.workspace.workspace_id,
        )
        self.budget = ServerlessBudgetPolicy(
            self, "budget", env=env, workspace_id=self.workspace.workspace_id
        )
        self.workspace_url = self.workspace.workspace_url
        # Read by tenant stacks through remote state, so planning a tenant never builds this stack.
        TerraformOutput(self, outputs.WORKSPACE_URL, value=self.workspace_url)
        TerraformOutput(self, outputs.WORKSPACE_ID, value=self.workspace.workspace_id)
