"""A tenant's catalog, its workspace binding, its schemas and their authoritative grants."""

from __future__ import annotations

from cdktn_provider_databricks.catalog import Catalog
from cdktn_provider_databricks.grants import Grants, GrantsGrant
from cdktn_provider_databricks.schema import Schema
from cdktn_provider_databricks.workspace_binding import WorkspaceBinding
from constructs import Construct

from lakeward.tenants.access import grants_by_role
from lakeward.tenants.model import GOVERNANCE_SCHEMA, Role, Tenant
from lakeward.tenants.namespace import Namespace


class TenantCatalog:
    """The catalog (bound to the workspace when ISOLATED) and its schemas, owned by the tenant's admins;
    others read `name`, `catalog` and `schemas`."""

    def __init__(
        self,
        scope: Construct,
        *,
        tenant: Tenant,
        namespace: Namespace,
        groups: dict[Role, str],
        storage_bucket: str,
        workspace_id: float,
        binding: str,
    ) -> None:
        name, spec = namespace.catalog, tenant.spec.catalog
        self.name = name
        self.catalog = catalog = Catalog(
            scope,
            "catalog",
            name=name,
            owner=groups["admins"],
            isolation_mode=spec.isolation_mode,
            storage_root=f"s3://{storage_bucket}/tenants/{name}",
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
                scope,
                "catalog-binding",
                securable_name=catalog.name,
                securable_type="catalog",
                workspace_id=workspace_id,
                binding_type=f"BINDING_TYPE_{binding}",
            )
        self.schemas = {
            schema: Schema(
                scope,
                f"schema-{schema}",
                catalog_name=catalog.name,
                name=schema,
                owner=groups["admins"],
                comment=f"{schema} of tenant {name}",
                force_destroy=False,
            )
            for schema in (*spec.schemas, GOVERNANCE_SCHEMA)
        }
        self._grants(scope, tenant, groups, catalog)

    def _grants(self, scope: Construct, tenant: Tenant, groups: dict[Role, str], catalog: Catalog) -> None:
        """One authoritative `databricks_grants` per securable, named literally so reviews can read it."""
        for securable, roles in grants_by_role(tenant, self.name).items():
            grant = [GrantsGrant(principal=groups[r], privileges=p) for r, p in roles.items()]
            if securable == self.name:
                Grants(scope, "catalog-grants", catalog=securable, grant=grant, depends_on=[catalog])
            else:
                schema = securable.split(".", 1)[1]
                Grants(
                    scope,
                    f"schema-{schema}-grants",
                    schema=securable,
                    grant=grant,
                    depends_on=[self.schemas[schema]],
                )
