"""Jobs: run as a service principal, on clusters bound to a cluster policy."""

from __future__ import annotations

from collections.abc import Iterator

from ..base import Policy, Resource, Severity, as_blocks


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
    name = "Job clusters are bound to a cluster policy"
    severity = Severity.HIGH
    resource_types = ("databricks_job",)
    rationale = "A job cluster without a policy escapes every guard the cluster policies enforce."
    remediation = "Set new_cluster.policy_id on every job_cluster and task cluster; no existing_cluster_id."
    soc2 = ("CC6.1", "CC8.1")
    iso27001 = ("A.8.9",)
    hipaa = ("164.312(a)(1)",)
    sat = ("GOV-1",)

    def problems(self, resource: Resource) -> Iterator[str]:
        for cluster in resource.blocks("job_cluster"):
            for new in as_blocks(cluster.get("new_cluster")):
                if not new.get("policy_id"):
                    yield f"job_cluster {cluster.get('job_cluster_key', '?')} has no policy_id"
        for task in resource.blocks("task"):
            key = task.get("task_key", "?")
            for new in as_blocks(task.get("new_cluster")):
                if not new.get("policy_id"):
                    yield f"task {key} new_cluster has no policy_id"
            if task.get("existing_cluster_id"):
                yield f"task {key} runs on an existing all-purpose cluster"
