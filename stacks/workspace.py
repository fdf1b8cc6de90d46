"""Inside the workspace: groups assigned to it, Unity Catalog (with its IAM role), compute policies,
secrets, hardening, the serverless SQL warehouse of `lakeward bootstrap`, the uploaded wheel and the
jobs that install it."""

from __future__ import annotations

from cdktn import TerraformOutput
from cdktn_provider_aws.provider import AwsProvider
from cdktn_provider_databricks.provider import DatabricksProvider
from constructs import Construct

from infra.account.groups import WorkspaceGroups, order_after_assignments
from infra.workspace.catalog import PipelineCatalog
from infra.workspace.compute import ComputePolicies
from infra.workspace.hardening import WorkspaceHardening
from infra.workspace.identity import JobsServicePrincipal
from infra.workspace.job_specs import JobCompute
from infra.workspace.jobs import PipelineJobs
from infra.workspace.secrets import PipelineSecrets
from infra.workspace.warehouse import GovernanceWarehouse
from lakeward.wheel import Wheel
from stacks import outputs
from stacks.account import AccountStack
from stacks.base import ACCOUNTS_HOST, Backend, LakewardStack
from stacks.foundation import FoundationStack
from stacks.names import WORKSPACE, stack_id


class WorkspaceStack(LakewardStack):
    """Everything the LLM pipeline needs inside the workspace the account stack created, except vector
    search (the retrieval stack, once the tables exist) and the serving endpoints (the serving stack,
    once a model version is registered)."""

    def __init__(
        self,
        scope: Construct,
        *,
        foundation: FoundationStack,
        account: AccountStack,
        wheel: Wheel,
        backend: Backend | None = None,
    ) -> None:
        env = foundation.env
        super().__init__(scope, stack_id(env.name, WORKSPACE), env=env, backend=backend)
        DatabricksProvider(self, "databricks", host=account.workspace_url)
        account_provider = DatabricksProvider(
            self,
            "databricks-account",
            alias="account",
            host=ACCOUNTS_HOST,
            account_id=env.databricks.account_id,
        )
        # The Unity Catalog role trusts the storage credential created here, so it is created here too.
        AwsProvider(self, "aws", region=env.aws.region, allowed_account_ids=[env.aws.account_id])
        self.groups = WorkspaceGroups(
            self,
            "groups",
            groups={
                "admins": env.groups.admins,
                "engineers": env.groups.engineers,
                "readers": env.groups.readers,
            },
            workspace_id=account.workspace.workspace_id,
            account_provider=account_provider,
        )
        self.jobs_principal = JobsServicePrincipal(self, "jobs-principal", env=env)
        principal = self.jobs_principal.application_id
        self.catalog = PipelineCatalog(
            self,
            "catalog",
            env=env,
            bucket_name=foundation.unity_catalog.name,
            bucket_arn=foundation.unity_catalog.arn,
            kms_key_arn=foundation.keys.storage_arn,
            jobs_principal=principal,
        )
        self.compute = ComputePolicies(
            self, "compute", env=env, groups=[env.groups.engineers], service_principal=principal
        )
        self.secrets = PipelineSecrets(self, "secrets", env=env, jobs_principal=principal)
        self.hardening = WorkspaceHardening(self, "hardening", env=env)
        self.warehouse = GovernanceWarehouse(self, "warehouse", env=env)
        TerraformOutput(self, outputs.SQL_WAREHOUSE_ID, value=self.warehouse.id)
        self.jobs = PipelineJobs(
            self,
            "jobs",
            env=env,
            schemas=self.catalog.schemas,
            wheel=wheel,
            compute=JobCompute(
                cpu_policy_id=self.compute.jobs_policy_id,
                gpu_policy_id=self.compute.gpu_policy_id,
                gpu_pool_id=self.compute.gpu_pool_id,
                service_principal=principal,
            ),
        )
        order_after_assignments(self, self.groups.assignments)
