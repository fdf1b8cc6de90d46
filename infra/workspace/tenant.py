"""One tenant's slice of a workspace: catalog, grants, ABAC policies, compute, secrets, serving, budget.

Everything is named inside the tenant's namespace (`lakeward/tenants/namespace.py`). Groups are account
groups synced from the identity provider: they are looked up and assigned to the workspace, never
created, because dev and prod share one Databricks account and would both create them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktn import TerraformProvider, Token
from cdktn_provider_databricks.budget import (
    Budget,
    BudgetAlertConfigurations,
    BudgetAlertConfigurationsActionConfigurations,
    BudgetFilter,
    BudgetFilterTags,
    BudgetFilterTagsValue,
    BudgetFilterWorkspaceId,
)
from cdktn_provider_databricks.catalog import Catalog
from cdktn_provider_databricks.cluster_policy import ClusterPolicy
from cdktn_provider_databricks.data_databricks_group import DataDatabricksGroup
from cdktn_provider_databricks.grants import Grants, GrantsGrant
from cdktn_provider_databricks.model_serving import (
    ModelServing,
    ModelServingTags,
)
from cdktn_provider_databricks.mws_permission_assignment import MwsPermissionAssignment
from cdktn_provider_databricks.permissions import Permissions, PermissionsAccessControl
from cdktn_provider_databricks.policy_info import (
    PolicyInfo,
    PolicyInfoColumnMask,
    PolicyInfoMatchColumns,
    PolicyInfoRowFilter,
    PolicyInfoRowFilterUsing,
)
from cdktn_provider_databricks.schema import Schema
from cdktn_provider_databricks.secret_acl import SecretAcl
from cdktn_provider_databricks.secret_scope import SecretScope
from cdktn_provider_databricks.workspace_binding import WorkspaceBinding
from constructs import Construct

from infra.config import Environment
from infra.workspace.compute import base_definition
from infra.workspace.serving import ai_gateway, per_minute, served_entity
from lakeward.tenants.access import grants_by_role
from lakeward.tenants.model import GOVERNANCE_SCHEMA, ROLES, AbacRule, Endpoint, Role, Tenant
from lakeward.tenants.namespace import Namespace

MATCHED_COLUMN = "matched"


@dataclass(frozen=True)
class TenantInputs:
    """What the environment hands a tenant: the workspace, the catalog storage and the account provider."""

    workspace_id: float
    storage_bucket: str
    binding: str
    account_provider: TerraformProvider


class TenantFootprint(Construct):
    """Everything one tenant renders in one environment."""

    def __init__(
        self, scope: Construct, id_: str, *, env: Environment, tenant: Tenant, inputs: TenantInputs
    ) -> None:
        super().__init__(scope, id_)
        self.env, self.tenant, self.inputs = env, tenant, inputs
        self.namespace = Namespace.of(tenant, env.name)
        self.groups = tenant.spec.groups.by_role()
        active_roles: list[Role] = ["admins"] if tenant.archived else list(ROLES)
        self._assign_groups(active_roles)
        self.catalog = self._catalog()
        self._grants()
        self._abac()
        self._secrets(active_roles)
        if not tenant.archived:
            self._compute()
            for endpoint in tenant.spec.serving.endpoints:
                self._endpoint(endpoint)
            self._budget()

    def _assign_groups(self, roles: list[Role]) -> None:
        for role in roles:
            group = DataDatabricksGroup(
                self, f"group-{role}", display_name=self.groups[role], provider=self.inputs.account_provider
            )
            MwsPermissionAssignment(
                self,
                f"group-{role}-assignment",
                workspace_id=self.inputs.workspace_id,
                principal_id=Token.as_number(group.id),
                permissions=["USER"],
                provider=self.inputs.account_provider,
            )

    def _catalog(self) -> Catalog:
        tenant, name = self.tenant, self.namespace.catalog
        spec = tenant.spec.catalog
        catalog = Catalog(
            self,
            "catalog",
            name=name,
            owner=self.groups["admins"],
            isolation_mode=spec.isolation_mode,
            storage_root=f"s3://{self.inputs.storage_bucket}/tenants/{name}",
            comment=f"{tenant.metadata.display_name} ({tenant.metadata.change.ticket})",
            properties={
                "tenant": name,
                "cost_center": tenant.metadata.cost_center,
                "data_classification": tenant.metadata.data_classification.value,
                "lifecycle": tenant.metadata.lifecycle.state,
                "managed_by": "lakeward",
            },
            force_destroy=False,
        )
        if spec.isolation_mode == "ISOLATED":
            WorkspaceBinding(
                self,
                "catalog-binding",
                securable_name=catalog.name,
                securable_type="catalog",
                workspace_id=self.inputs.workspace_id,
                binding_type=f"BINDING_TYPE_{self.inputs.binding}",
            )
        self.schemas = {
            schema: Schema(
                self,
                f"schema-{schema}",
                catalog_name=catalog.name,
                name=schema,
                owner=self.groups["admins"],
                comment=f"{schema} of tenant {name}",
                force_destroy=False,
            )
            for schema in (*spec.schemas, GOVERNANCE_SCHEMA)
        }
        return catalog

    def _grants(self) -> None:
        """One authoritative `databricks_grants` per securable, named literally so reviews can read it."""
        for securable, roles in grants_by_role(self.tenant, self.namespace.catalog).items():
            grant = [GrantsGrant(principal=self.groups[r], privileges=p) for r, p in roles.items()]
            if securable == self.namespace.catalog:
                Grants(self, "catalog-grants", catalog=securable, grant=grant, depends_on=[self.catalog])
            else:
                schema = securable.split(".", 1)[1]
                Grants(
                    self,
                    f"schema-{schema}-grants",
                    schema=securable,
                    grant=grant,
                    depends_on=[self.schemas[schema]],
                )

    def _abac(self) -> None:
        abac = self.tenant.spec.abac
        for kind, rules in (("mask", abac.masks), ("filter", abac.filters)):
            for rule in rules:
                self._policy(kind, rule)

    def _policy(self, kind: str, rule: AbacRule) -> None:
        """A catalog-wide policy on every table; `when` selects the columns (MATCH COLUMNS), so a mask
        covers each column tagged that way and a filter passes the matched column to its function."""
        function = f"{self.namespace.catalog}.{GOVERNANCE_SCHEMA}.{rule.name}"
        covered = [self.groups[role] for role in ROLES if role not in rule.except_]
        options: dict = (
            {"column_mask": PolicyInfoColumnMask(function_name=function, on_column=MATCHED_COLUMN)}
            if kind == "mask"
            else {
                "row_filter": PolicyInfoRowFilter(
                    function_name=function, using=[PolicyInfoRowFilterUsing(alias=MATCHED_COLUMN)]
                )
            }
        )
        PolicyInfo(
            self,
            f"{kind}-{rule.name}",
            name=rule.name,
            on_securable_type="CATALOG",
            on_securable_fullname=self.namespace.catalog,
            for_securable_type="TABLE",
            policy_type="POLICY_TYPE_COLUMN_MASK" if kind == "mask" else "POLICY_TYPE_ROW_FILTER",
            to_principals=covered,
            except_principals=[self.groups[role] for role in rule.except_] or None,
            match_columns=[PolicyInfoMatchColumns(condition=rule.when, alias=MATCHED_COLUMN)],
            comment=f"{kind} of tenant {self.namespace.tenant}",
            depends_on=[self.schemas[GOVERNANCE_SCHEMA]],
            **options,
        )

    def _secrets(self, roles: list[Role]) -> None:
        scope = SecretScope(
            self, "secret-scope", name=self.namespace.name("secrets"), backend_type="DATABRICKS"
        )
        for acl in self.tenant.spec.secrets.acls:
            if acl.role in roles:
                SecretAcl(
                    self,
                    f"secret-acl-{acl.role}",
                    scope=scope.name,
                    principal=self.groups[acl.role],
                    permission=acl.permission,
                )

    def _compute(self) -> None:
        env, compute = self.env, self.tenant.spec.compute
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
        for key, value in self.tenant.tags().items():
            definition[f"custom_tags.{key}"] = {"type": "fixed", "value": value}
        policy = ClusterPolicy(
            self,
            "cluster-policy",
            name=self.namespace.name("compute"),
            max_clusters_per_user=2,
            description=f"Clusters of tenant {self.namespace.tenant}",
            definition=json.dumps(definition, sort_keys=True),
        )
        Permissions(
            self,
            "cluster-policy-use",
            cluster_policy_id=policy.policy_id,
            access_control=[
                PermissionsAccessControl(group_name=self.groups[role], permission_level="CAN_USE")
                for role in ("admins", "engineers")
            ],
        )

    def _endpoint(self, endpoint: Endpoint) -> None:
        tenant, env, name = self.tenant, self.env, self.namespace.name(endpoint.name)
        serving_spec = tenant.spec.serving
        limits = [
            limit for limit in tenant.spec.serving.rate_limits if limit.endpoint in (None, endpoint.name)
        ]
        schema = endpoint.model_path.split(".")[0]
        serving = ModelServing(
            self,
            f"endpoint-{endpoint.name}",
            name=name,
            config=served_entity(
                name=f"{endpoint.name}-v{endpoint.version}",
                entity=f"{self.namespace.catalog}.{endpoint.model_path}",
                version=endpoint.version,
                production=env.is_production,
                min_concurrency=_floor(endpoint, env),
                max_concurrency=endpoint.max_concurrency,
            ),
            ai_gateway=ai_gateway(
                rate_limits=[
                    *(
                        per_minute("user_group", limit.calls_per_minute, self.groups[limit.role])
                        for limit in limits
                    ),
                    per_minute("user", serving_spec.calls_per_user_per_minute),
                    per_minute("endpoint", serving_spec.calls_per_endpoint_per_minute),
                ],
                catalog=self.namespace.catalog,
                schema=schema,
                table_prefix=endpoint.name.replace("-", "_"),
            ),
            tags=[
                ModelServingTags(key=key, value=value)
                for key, value in {**env.resource_tags(), **tenant.tags()}.items()
            ],
            depends_on=[self.schemas[schema]],
        )
        queriers = [limit.role for limit in limits if limit.role != "admins"]
        Permissions(
            self,
            f"endpoint-{endpoint.name}-permissions",
            serving_endpoint_id=serving.serving_endpoint_id,
            access_control=[
                PermissionsAccessControl(group_name=self.groups["admins"], permission_level="CAN_MANAGE"),
                *(
                    PermissionsAccessControl(group_name=self.groups[role], permission_level="CAN_QUERY")
                    for role in dict.fromkeys(queriers)
                ),
            ],
        )

    def _budget(self) -> None:
        budget, tenant = self.tenant.spec.budget, self.tenant
        Budget(
            self,
            "budget",
            display_name=self.namespace.name(f"{self.env.name}-monthly"),
            account_id=self.env.databricks.account_id,
            filter=BudgetFilter(
                tags=[
                    BudgetFilterTags(
                        key="Tenant", value=BudgetFilterTagsValue(operator="IN", values=[tenant.name])
                    )
                ],
                workspace_id=BudgetFilterWorkspaceId(operator="IN", values=[self.inputs.workspace_id]),
            ),
            alert_configurations=[
                BudgetAlertConfigurations(
                    time_period="MONTH",
                    trigger_type="CUMULATIVE_SPENDING_EXCEEDED",
                    quantity_type="LIST_PRICE_DOLLARS_USD",
                    quantity_threshold=f"{budget.monthly_usd * fraction:.2f}",
                    action_configurations=[
                        BudgetAlertConfigurationsActionConfigurations(
                            action_type="EMAIL_NOTIFICATION", target=email
                        )
                        for email in budget.notify
                    ],
                )
                for fraction in sorted(budget.alerts_at)
            ],
            provider=self.inputs.account_provider,
        )


def _floor(endpoint: Endpoint, env: Environment) -> int:
    """The provisioned concurrency floor: as set, else 0 (scale to zero) outside production and 4 in it."""
    if endpoint.min_concurrency is not None:
        return endpoint.min_concurrency
    return 4 if env.is_production else 0
