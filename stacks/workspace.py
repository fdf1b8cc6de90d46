"""Inside the workspace: Unity Catalog, compute policies, secrets, serving, hardening."""

from __future__ import annotations

from cdktn_provider_databricks.provider import DatabricksProvider
from constructs import Construct

from infra.workspace.catalog import PipelineCatalog
from infra.workspace.compute import ComputePolicies
from infra.workspace.hardening import WorkspaceHardening
from infra.workspace.identity import JobsServicePrincipal
from infra.workspace.jobs import JobCompute, PipelineJobs
from infra.workspace.secrets import PipelineSecrets
from infra.workspace.serving import ServingLayer
from stacks.account import AccountStack
from stacks.base import Backend, LakewardStack
from stacks.foundation import FoundationStack
from stacks.names import WORKSPACE, stack_id


class WorkspaceStack(LakewardStack):
    """Everything the LLM pipeline needs inside the workspace the account stack created."""

    def __init__(
        self,
        scope: Construct,
        *,
        foundation: FoundationStack,
        account: AccountStack,
        backend: Backend | None = None,
    ) -> None:
        env = foundation.env
        super().__init__(scope, stack_id(env.name, WORKSPACE), env=env, backend=backend)
        DatabricksProvider(self, "databricks", host=account.workspace_url)
        self.jobs_principal = JobsServicePrincipal(self, "jobs-principal", env=env)
        principal = self.jobs_principal.application_id
        self.catalog = PipelineCatalog(
            self,
            "catalog",
            env=env,
            storage_role_arn=foundation.uc_role.arn,
            bucket_name=foundation.unity_catalog.name,
            jobs_principal=principal,
        )
        self.compute = ComputePolicies(
            self, "compute", env=env, groups=[env.groups.engineers], service_principal=principal
        )
        self.secrets = PipelineSecrets(self, "secrets", env=env, jobs_principal=principal)
        self.serving = ServingLayer(
            self, "serving", env=env, inference_schema="evaluation", budget_policy_id=account.budget.policy_id
        )
        self.hardening = WorkspaceHardening(self, "hardening", env=env)
        self.jobs = PipelineJobs(
            self,
            "jobs",
            env=env,
            schemas=self.catalog.schemas,
            compute=JobCompute(
                cpu_policy_id=self.compute.jobs_policy_id,
                gpu_policy_id=self.compute.gpu_policy_id,
                gpu_pool_id=self.compute.gpu_pool_id,
                service_principal=principal,
            ),
        )
