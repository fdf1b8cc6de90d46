"""Who may do what in a tenant's catalog: the grants matrix the construct renders authoritatively."""

from __future__ import annotations

from collections import defaultdict

from lakeward.tenants.model import GOVERNANCE_SCHEMA, Privilege, Role, Tenant

ORDER = {privilege: index for index, privilege in enumerate(Privilege)}
# Admins write the mask and row-filter functions the ABAC policies call.
GOVERNANCE_ADMIN = (Privilege.USE_SCHEMA, Privilege.CREATE_FUNCTION, Privilege.EXECUTE)
# An archived tenant keeps its data readable by its admins only.
ARCHIVED_CATALOG = (Privilege.USE_CATALOG, Privilege.BROWSE)
ARCHIVED_SCHEMA = (Privilege.USE_SCHEMA, Privilege.SELECT)

Matrix = dict[str, dict[Role, list[str]]]


def securables(tenant: Tenant, catalog: str) -> list[str]:
    """The catalog and its schemas as full names, catalog first."""
    name = catalog
    return [name, *(f"{name}.{schema}" for schema in (*tenant.spec.catalog.schemas, GOVERNANCE_SCHEMA))]


def grants_by_role(tenant: Tenant, catalog: str) -> Matrix:
    """`{securable: {role: privileges}}` for the tenant's `catalog`; USE_CATALOG granted on a schema is
    granted on the catalog."""
    name = catalog
    matrix: dict[str, dict[Role, set[Privilege]]] = {s: defaultdict(set) for s in securables(tenant, name)}
    governance = f"{name}.{GOVERNANCE_SCHEMA}"
    if tenant.archived:
        matrix[name]["admins"].update(ARCHIVED_CATALOG)
        for securable in securables(tenant, name)[1:]:
            matrix[securable]["admins"].update(ARCHIVED_SCHEMA)
    else:
        for grant in tenant.spec.grants:
            schema = grant.securable.removeprefix("schema:")
            target = name if grant.securable == "catalog" else f"{name}.{schema}"
            for privilege in grant.privileges:
                where = name if privilege is Privilege.USE_CATALOG else target
                matrix[where][grant.role].add(privilege)
        for securable in securables(tenant, name)[1:]:
            matrix[securable]["admins"].add(Privilege.USE_SCHEMA)
        matrix[governance]["admins"].update(GOVERNANCE_ADMIN)
    return {
        securable: {
            role: sorted((p.value for p in privileges), key=lambda p: ORDER[Privilege(p)])
            for role, privileges in sorted(roles.items())
            if privileges
        }
        for securable, roles in matrix.items()
    }
