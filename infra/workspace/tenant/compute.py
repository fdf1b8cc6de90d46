"""A tenant's cluster policy: the environment's shared rules, the tenant's limits and tags."""

from __future__ import annotations

import json

from cdktn_provider_databricks.cluster_policy import ClusterPolicy
from cdktn_provider_databricks.permissions import Permissions, PermissionsAccessControl
from constructs import Construct

from infra.config import Environment
from infra.workspace.compute import base_definition
from lakeward.tenants.model import Role, Tenant
from lakeward.tenants.namespace import Namespace


class TenantComputePolicy:
    """`<tenant>-compute`, usable by the tenant's admins and engineers."""

    def __init__(
        self,
        scope: Construct,
        *,
        env: Environment,
        tenant: Tenant,
        namespace: Namespace,
        groups: dict[Role, str],
    ) -> None:
        compute = tenant.spec.compute
        runtimes = env.compute.runtimes if compute.runtimes == "lts_only" else list(compute.runtimes)
        definition = base_definition(
            env, runtimes=runtimes, max_workers=compute.max_workers, max_dbus=compute.max_dbus_per_hour
        )
        definition["autotermination_minutes"] = {
            "type": "fixed",
            "value": compute.autotermination_minutes,
            "hidden": True,
        }
        definition["node_type_id"] = {"type": "allowlist", "values": env.compute.node_types}
        definition["driver_node_type_id"] = {"type": "allowlist", "values": env.compute.node_types}
        definition["instance_pool_id"] = {"type": "forbidden", "hidden": True}
        definition["ssh_public_keys.*"] = {"type": "forbidden", "hidden": True}
        for key, value in tenant.tags().items():
            definition[f"custom_tags.{key}"] = {"type": "fixed", "value": value}
        policy = ClusterPolicy(
            scope,
            "cluster-policy",
            name=namespace.name("compute"),
            max_clusters_per_user=2,
            description=f"Clusters of tenant {namespace.tenant}",
            definition=json.dumps(definition, sort_keys=True),
        )
        self.policy_id = policy.policy_id
        Permissions(
            scope,
            "cluster-policy-use",
            cluster_policy_id=self.policy_id,
            access_control=[
                PermissionsAccessControl(group_name=groups[role], permission_level="CAN_USE")
                for role in ("admins", "engineers")
            ],
        )
