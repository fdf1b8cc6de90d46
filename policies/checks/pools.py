"""Instance pools: bounded capacity, and GPU pools that hold no idle instances."""

from __future__ import annotations

from collections.abc import Iterator

from ..base import Policy, Resource, Severity
from .cluster_policies import GPU_NODE


class PoolMaxCapacity(Policy):
    id = "LKW_DBX_020"
    name = "Instance pool sets a maximum capacity"
    severity = Severity.MEDIUM
    resource_types = ("databricks_instance_pool",)
    rationale = "A pool without max_capacity can grow until the account's EC2 quota is gone."
    remediation = "Set max_capacity to the most instances the pool may hold (drivers included)."
    soc2 = ("A1.1",)
    iso27001 = ("A.8.6",)

    def problems(self, resource: Resource) -> Iterator[str]:
        capacity = resource.get("max_capacity")
        if not isinstance(capacity, int) or capacity < 1:
            yield "max_capacity is not a positive number"


class PoolGpuNoIdle(Policy):
    id = "LKW_DBX_021"
    name = "GPU instance pool keeps no idle instances"
    severity = Severity.MEDIUM
    resource_types = ("databricks_instance_pool",)
    rationale = "An idle GPU instance bills by the hour while doing nothing."
    remediation = "Set min_idle_instances = 0 on pools of GPU node types."
    soc2 = ("A1.1",)
    iso27001 = ("A.8.6",)

    def applies(self, resource: Resource) -> bool:
        return bool(GPU_NODE.match(str(resource.get("node_type_id", ""))))

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("min_idle_instances", 0) != 0:
            yield f"min_idle_instances is {resource.get('min_idle_instances')}, not 0"


class PoolIdleTermination(Policy):
    id = "LKW_DBX_022"
    name = "Instance pool terminates idle instances within an hour and is tagged"
    severity = Severity.LOW
    resource_types = ("databricks_instance_pool",)
    rationale = "Idle instances cost money; untagged pools cannot be charged back."
    remediation = "Set idle_instance_autotermination_minutes <= 60 and custom_tags with Owner and CostCenter."
    soc2 = ("A1.1",)
    iso27001 = ("A.8.6", "A.5.9")
    sat = ("INFO-1",)

    def problems(self, resource: Resource) -> Iterator[str]:
        minutes = resource.get("idle_instance_autotermination_minutes")
        if not isinstance(minutes, int) or not 0 < minutes <= 60:
            yield "idle_instance_autotermination_minutes is not between 1 and 60"
        missing = [key for key in ("Owner", "CostCenter") if not resource.tags().get(key)]
        if missing:
            yield f"custom_tags lacks {', '.join(missing)}"
