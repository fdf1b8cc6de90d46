"""Jobs run as a service principal; every cluster of a job, pipeline or cluster resource has a policy."""

from __future__ import annotations

from collections.abc import Iterator

from ..base import Policy, Resource, Severity, is_true
from ..cluster_specs import CLUSTER_HOLDERS, cluster_specs, existing_clusters


class JobRunsAsServicePrincipal(Policy):
    id = "LKW_DBX_060"
    name = "Job runs as a service principal"
    severity = Severity.HIGH
    resource_types = ("databricks_job",)
    rationale = "A job running as a person carries that person's access and breaks when they leave."
    remediation = "Set run_as { service_principal_name = <application id> } and no user_name."
    soc2 = ("CC6.1", "CC6.2")
    iso27001 = ("A.5.16", "A.8.2")
    hipaa = ("164.312(a)(1)", "164.312(d)")
    sat = ("IA-7",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if not resource.get("run_as.service_principal_name"):
            yield "run_as.service_principal_name is not set"
        if resource.get("run_as.user_name"):
            yield "run_as.user_name names a person"


class JobClustersUsePolicy(Policy):
    id = "LKW_DBX_061"
    name = "Job, pipeline and all-purpose clusters are bound to a cluster policy"
    severity = Severity.HIGH
    resource_types = CLUSTER_HOLDERS
    rationale = "A cluster without a policy escapes every guard the cluster policies enforce."
    remediation = (
        "Set policy_id on every cluster specification: the cluster itself, pipeline clusters, "
        "job_cluster and task new_cluster (for_each_task included); no existing_cluster_id."
    )
    soc2 = ("CC6.1", "CC8.1")
    iso27001 = ("A.8.9",)
    hipaa = ("164.312(a)(1)",)
    sat = ("GOV-1",)

    def problems(self, resource: Resource) -> Iterator[str]:
        for where, spec in cluster_specs(resource):
            if not spec.get("policy_id"):
                yield f"{where} has no policy_id"
        for where in existing_clusters(resource):
            yield f"{where} runs on an existing all-purpose cluster"
        serverless = is_true(resource.get("serverless"))
        if resource.type == "databricks_pipeline" and not serverless and not resource.blocks("cluster"):
            yield "a classic pipeline without cluster blocks runs default clusters with no policy"
