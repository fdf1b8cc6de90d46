"""A tenant's secret scope and the ACLs its spec grants to its active roles."""

from __future__ import annotations

from cdktn_provider_databricks.secret_acl import SecretAcl
from cdktn_provider_databricks.secret_scope import SecretScope
from constructs import Construct

from lakeward.tenants.model import Role, Tenant
from lakeward.tenants.namespace import Namespace


class TenantSecrets:
    """One Databricks-backed scope, `<tenant>-secrets`; ACLs only for `roles` (all but admins are
    dropped when the tenant is archived)."""

    def __init__(
        self,
        scope: Construct,
        *,
        tenant: Tenant,
        namespace: Namespace,
        groups: dict[Role, str],
        roles: list[Role],
    ) -> None:
        secret_scope = SecretScope(
            scope, "secret-scope", name=namespace.name("secrets"), backend_type="DATABRICKS"
        )
        self.scope_name = secret_scope.name
        for acl in tenant.spec.secrets.acls:
            if acl.role in roles:
                SecretAcl(
                    scope,
                    f"secret-acl-{acl.role}",
                    scope=self.scope_name,
                    principal=groups[acl.role],
                    permission=acl.permission,
                )
