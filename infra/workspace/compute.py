"""Cluster policies and the GPU pool: what any cluster of this environment may look like.

Policy definitions are JSON built with `json.dumps` so scanners can read them. Every security
attribute is pinned (`fixed` or an allowlist), never merely defaulted.
"""

from __future__ import annotations

import json
from typing import Any

from cdktn_provider_databricks.cluster_policy import ClusterPolicy
from cdktn_provider_databricks.instance_pool import InstancePool, InstancePoolAwsAttributes
from cdktn_provider_databricks.permissions import Permissions, PermissionsAccessControl
from constructs import Construct

from infra.config import Environment


def _fixed(value: Any, hidden: bool = False) -> dict[str, Any]:
    rule: dict[str, Any] = {"type": "fixed", "value": value}
    if hidden:
        rule["hidden"] = True
    return rule


def _allow(values: list[str]) -> dict[str, Any]:
    return {"type": "allowlist", "values": values, "defaultValue": values[0]}


def _cap(maximum: int) -> dict[str, Any]:
    return {"type": "range", "minValue": 0, "maxValue": maximum}


# Attributes a cluster on an instance pool takes from the pool; setting them with a pool is an error.
POOL_OWNED = (
    "aws_attributes.availability",
    "aws_attributes.zone_id",
    "aws_attributes.spot_bid_price_percent",
    "aws_attributes.first_on_demand",
    "aws_attributes.ebs_volume_type",
    "aws_attributes.ebs_volume_count",
    "aws_attributes.ebs_volume_size",
)


def base_definition(
    env: Environment, *, runtimes: list[str], max_workers: int, max_dbus: int
) -> dict[str, Any]:
    """Rules every policy of the environment shares; a policy for pool clusters drops what the pool
    sets (`pool_definition`)."""
    tags = env.resource_tags()
    definition: dict[str, Any] = {
        "spark_version": _allow(runtimes),
        "data_security_mode": _fixed("SINGLE_USER"),
        "autotermination_minutes": _fixed(env.compute.autotermination_minutes, hidden=True),
        "enable_local_disk_encryption": _fixed(True),
        "dbus_per_hour": _cap(max_dbus),
        "num_workers": _cap(max_workers),
        "autoscale.max_workers": _cap(max_workers),
        "aws_attributes.availability": _allow(["ON_DEMAND", "SPOT_WITH_FALLBACK"]),
        "aws_attributes.instance_profile_arn": {"type": "forbidden", "hidden": True},
        "init_scripts.*.dbfs.destination": {"type": "forbidden", "hidden": True},
        "init_scripts.*.s3.destination": {"type": "forbidden", "hidden": True},
        "docker_image.url": {"type": "forbidden", "hidden": True},
        "ssh_public_keys.*": {"type": "forbidden", "hidden": True},
        "spark_conf.spark.databricks.pyspark.enableProcessIsolation": _fixed("true", hidden=True),
    }
    for key, value in tags.items():
        definition[f"custom_tags.{key}"] = _fixed(value)
    return definition


def pool_definition(definition: dict[str, Any], pool_id: str, pool_tags: dict[str, str]) -> dict[str, Any]:
    """Pin `definition` to one pool: node types and `POOL_OWNED` attributes come from the pool, and the
    pool's tag keys are left to the pool (a cluster may not set a tag key its pool sets)."""
    pinned = {
        key: rule
        for key, rule in definition.items()
        if key not in POOL_OWNED and key.removeprefix("custom_tags.") not in pool_tags
    }
    pinned["instance_pool_id"] = _fixed(pool_id, hidden=True)
    pinned["driver_instance_pool_id"] = _fixed(pool_id, hidden=True)
    pinned["node_type_id"] = {"type": "forbidden", "hidden": True}
    pinned["driver_node_type_id"] = {"type": "forbidden", "hidden": True}
    return pinned


class ComputePolicies(Construct):
    """The jobs (CPU) policy, the GPU embedding policy and the pool the GPU policy requires."""

    def __init__(
        self, scope: Construct, id_: str, *, env: Environment, groups: list[str], service_principal: str
    ) -> None:
        super().__init__(scope, id_)
        compute, gpu, prefix = env.compute, env.gpu, env.prefix
        jobs = base_definition(
            env,
            runtimes=compute.runtimes,
            max_workers=compute.max_workers,
            max_dbus=compute.max_dbus_per_hour,
        )
        jobs["node_type_id"] = _allow(compute.node_types)
        jobs["driver_node_type_id"] = _allow(compute.node_types)
        jobs["instance_pool_id"] = {"type": "forbidden", "hidden": True}
        self.jobs_policy = ClusterPolicy(
            self,
            "jobs-policy",
            name=f"{prefix}-jobs",
            max_clusters_per_user=5,
            description="CPU job clusters of the LLM pipeline",
            definition=json.dumps(jobs, sort_keys=True),
        )

        # The pool carries the environment's tags (the stack's tagging aspect adds them), so its
        # clusters inherit them and the GPU policy leaves those keys alone.
        pool_tags = env.resource_tags()
        self.gpu_pool = InstancePool(
            self,
            "gpu-pool",
            instance_pool_name=f"{prefix}-gpu",
            node_type_id=gpu.node_type,
            min_idle_instances=0,
            max_capacity=gpu.max_capacity,
            idle_instance_autotermination_minutes=gpu.idle_minutes,
            preloaded_spark_versions=[gpu.runtime],
            aws_attributes=InstancePoolAwsAttributes(availability="ON_DEMAND"),
            custom_tags=pool_tags,
        )
        gpu_definition = pool_definition(
            base_definition(
                env, runtimes=[gpu.runtime], max_workers=gpu.max_workers, max_dbus=gpu.max_dbus_per_hour
            ),
            self.gpu_pool.instance_pool_id,
            pool_tags,
        )
        self.gpu_policy = ClusterPolicy(
            self,
            "gpu-policy",
            name=f"{prefix}-gpu-embedding",
            max_clusters_per_user=2,
            description="GPU embedding clusters, only from the GPU pool",
            definition=json.dumps(gpu_definition, sort_keys=True),
        )

        def access(level: str) -> list[PermissionsAccessControl]:
            return [
                *(PermissionsAccessControl(group_name=group, permission_level=level) for group in groups),
                PermissionsAccessControl(service_principal_name=service_principal, permission_level=level),
            ]

        for name, policy in (("jobs", self.jobs_policy), ("gpu", self.gpu_policy)):
            Permissions(
                self,
                f"{name}-policy-use",
                cluster_policy_id=policy.policy_id,
                access_control=access("CAN_USE"),
            )
        Permissions(
            self,
            "gpu-pool-attach",
            instance_pool_id=self.gpu_pool.instance_pool_id,
            access_control=access("CAN_ATTACH_TO"),
        )
        self.jobs_policy_id, self.gpu_policy_id = self.jobs_policy.policy_id, self.gpu_policy.policy_id
        self.gpu_pool_id = self.gpu_pool.instance_pool_id
