"""A tenant's namespace: the names it may render and the principals it may grant to.

The construct names everything through `Namespace`, and the blast-radius check reads the synthesized
JSON back against the same definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.config import Environment
from lakeward.governance.library import functions_schema
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
    governance: str
    """The environment's governance schema (`catalog.governance`): the one place outside the tenant
    whose functions its policies may call and read, never write."""

    @classmethod
    def of(cls, tenant: Tenant, env: Environment) -> Namespace:
        return cls(tenant.name, env.name, frozenset(tenant.principals()), functions_schema(env.catalog.name))

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

    def calls_function(self, full_name: str) -> bool:
        """A function the tenant's policies may call: its own, or one of the environment's governance
        schema."""
        return self.owns_securable(full_name) or full_name.rpartition(".")[0] == self.governance

    def owns_principal(self, principal: str) -> bool:
        return principal in self.principals
