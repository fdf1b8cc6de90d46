"""A tenant's namespace: the names it may render and the principals it may grant to.

The construct names everything through `Namespace`, and the blast-radius check reads the synthesized
JSON back against the same definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakeward.tenants.model import Tenant


def catalog_name(tenant: str, environment: str) -> str:
    """The tenant's catalog in one environment: environments share the regional metastore, where
    catalog names are unique, so the name carries the environment (as the platform's llm_<env> does)."""
    return f"{tenant}_{environment.replace('-', '_')}"


@dataclass(frozen=True)
class Namespace:
    tenant: str
    environment: str
    principals: frozenset[str]

    @classmethod
    def of(cls, tenant: Tenant, environment: str) -> Namespace:
        return cls(tenant.name, environment, frozenset(tenant.principals()))

    @property
    def catalog(self) -> str:
        return catalog_name(self.tenant, self.environment)

    def name(self, suffix: str) -> str:
        """A workspace or account object name inside the namespace: `<tenant>-<suffix>`. Workspace objects
        need no environment in their name: each environment has its own workspace."""
        return f"{self.tenant}-{suffix}"

    def owns_name(self, name: str) -> bool:
        return name == self.tenant or name.startswith(f"{self.tenant}-")

    def owns_securable(self, full_name: str) -> bool:
        """A Unity Catalog name: the tenant's catalog in this environment or anything under it."""
        return full_name == self.catalog or full_name.startswith(f"{self.catalog}.")

    def owns_principal(self, principal: str) -> bool:
        return principal in self.principals
