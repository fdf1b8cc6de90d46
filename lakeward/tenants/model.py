"""The tenant spec: the typed shape of `tenants/<name>.yaml`. Shape only; the rules live in `rules.py`."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from infra.config import Name, UcName
from infra.text import SpecModel

TENANT_NAME = r"^[a-z][a-z0-9_]{2,39}$"
EMAIL = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
RUNTIME = r"^\d+\.\d+\.x-(cpu-ml-)?scala2\.1[23]$"
# Every tenant catalog holds this schema for functions of the tenant's own (the ABAC policies call the
# environment's governance library instead, which tenant admins cannot redefine).
GOVERNANCE_SCHEMA = "governance"

TenantName = Annotated[
    str, Field(pattern=TENANT_NAME, description="lowercase letters, digits and underscores, 3 to 40")
]
Email = Annotated[str, Field(pattern=EMAIL, description="an e-mail address")]
# Checked by the rules, so that an e-mail address gets "owners are groups", not a regex.
Principal = Annotated[str, Field(min_length=2, max_length=128, description="an account group name")]
Role = Literal["admins", "engineers", "readers"]
ROLES: tuple[Role, ...] = ("admins", "engineers", "readers")


class Model(SpecModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Classification(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"


class ComplianceScope(StrEnum):
    SOC2 = "soc2"
    HIPAA = "hipaa"
    PCI = "pci"


class Privilege(StrEnum):
    ALL_PRIVILEGES = "ALL_PRIVILEGES"
    MANAGE = "MANAGE"
    USE_CATALOG = "USE_CATALOG"
    USE_SCHEMA = "USE_SCHEMA"
    BROWSE = "BROWSE"
    SELECT = "SELECT"
    MODIFY = "MODIFY"
    EXECUTE = "EXECUTE"
    READ_VOLUME = "READ_VOLUME"
    WRITE_VOLUME = "WRITE_VOLUME"
    REFRESH = "REFRESH"
    APPLY_TAG = "APPLY_TAG"
    CREATE_SCHEMA = "CREATE_SCHEMA"
    CREATE_TABLE = "CREATE_TABLE"
    CREATE_VOLUME = "CREATE_VOLUME"
    CREATE_FUNCTION = "CREATE_FUNCTION"
    CREATE_MODEL = "CREATE_MODEL"
    CREATE_MATERIALIZED_VIEW = "CREATE_MATERIALIZED_VIEW"


class Change(Model):
    requested_by: Email = Field(description="the e-mail address of whoever asked for the change")
    reason: str = Field(min_length=3, max_length=500, description="why the change is needed")
    ticket: str = Field(pattern=r"^[A-Z][A-Z0-9]+-\d+$", description="a change ticket such as CHG-1234")


class Lifecycle(Model):
    state: Literal["active", "archived"] = Field(default="active", description="active or archived")
    archived_at: dt.date | None = Field(
        default=None, description="the day `lakeward tenant remove` archived it"
    )


class Metadata(Model):
    name: TenantName
    display_name: str = Field(min_length=3, max_length=80, description="a human-readable name")
    cost_center: str = Field(pattern=r"^[A-Z]{2,}-\d{3,8}$", description="a cost center such as CC-1234")
    owners: list[Principal] = Field(min_length=1, description="account groups that own the tenant")
    data_classification: Classification = Field(description="public, internal, confidential or restricted")
    compliance_scopes: list[ComplianceScope] = Field(default_factory=list, description="soc2, hipaa, pci")
    change: Change
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)


class WorkspaceRef(Model):
    name: Name = Field(description="an environment name under environments/, such as prod")
    binding: Literal["READ_WRITE", "READ_ONLY"] = Field(
        default="READ_WRITE", description="READ_WRITE or READ_ONLY access to the tenant catalog"
    )


class CatalogSpec(Model):
    isolation_mode: Literal["ISOLATED", "OPEN"] = Field(
        default="ISOLATED", description="ISOLATED binds the catalog to the listed workspaces only"
    )
    schemas: list[UcName] = Field(min_length=1, description="schema names: lowercase letters, digits, _")


class Groups(Model):
    admins: Principal = Field(description="account group administering the tenant")
    engineers: Principal = Field(description="account group building the tenant's pipelines")
    readers: Principal = Field(description="account group reading the tenant's curated data")

    def by_role(self) -> dict[Role, str]:
        return {"admins": self.admins, "engineers": self.engineers, "readers": self.readers}


class Grant(Model):
    role: Role = Field(description="admins, engineers or readers")
    securable: str = Field(
        pattern=r"^(catalog|schema:[a-z][a-z0-9_]*)$", description="catalog or schema:<name>"
    )
    privileges: list[Privilege] = Field(min_length=1, description="Unity Catalog privileges")

    @model_validator(mode="before")
    @classmethod
    def _renamed_key(cls, data: Any) -> Any:
        # YAML 1.1 parsers (PyYAML, many CI tools) read a key `on` as the boolean true.
        if isinstance(data, dict) and any(key is True or str(key).lower() == "on" for key in data):
            raise ValueError("the key `on` is now `securable` (YAML 1.1 reads `on` as true); rename it")
        return data


class AbacRule(Model):
    name: UcName = Field(
        description="a function of the environment's governance schema (lakeward bootstrap creates it): "
        "mask_pii or mask_phi for masks, filter_region for filters"
    )
    when: str = Field(min_length=3, max_length=500, description="a condition such as hasTag('pii')")
    except_: list[Role] = Field(
        default_factory=list, alias="except", description="roles exempt from it: admins, engineers or readers"
    )


class Abac(Model):
    masks: list[AbacRule] = Field(default_factory=list, description="column masks on matching columns")
    filters: list[AbacRule] = Field(default_factory=list, description="row filters on matching tables")


class Compute(Model):
    max_dbus_per_hour: int = Field(ge=1, le=2000, description="DBU per hour cap, 1 to 2000")
    autotermination_minutes: int = Field(default=30, ge=10, le=120, description="minutes, 10 to 120")
    max_workers: int = Field(default=4, ge=1, le=64, description="workers per cluster, 1 to 64")
    runtimes: Literal["lts_only"] | list[Annotated[str, Field(pattern=RUNTIME)]] = Field(
        default="lts_only", description="lts_only, or LTS runtime keys the environment allows"
    )


class Budget(Model):
    monthly_usd: float = Field(description="the monthly budget in US dollars, above zero")
    alerts_at: list[float] = Field(min_length=1, description="fractions of the budget, including 1.0")
    notify: list[Email] = Field(min_length=1, description="e-mail addresses alerted")


class SecretAcl(Model):
    role: Role = Field(description="admins, engineers or readers")
    permission: Literal["READ", "WRITE", "MANAGE"] = Field(description="READ, WRITE or MANAGE")


class Secrets(Model):
    acls: list[SecretAcl] = Field(default_factory=list, description="who may use the tenant's secret scope")


class Endpoint(Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$", description="lowercase letters, digits, -")
    model: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
        description="schema.model in the tenant catalog (default curated.<name with _>)",
    )
    version: str = Field(default="1", pattern=r"^\d+$", description="the registered model version")
    min_concurrency: int | None = Field(
        default=None, ge=0, le=256, description="provisioned floor, a multiple of 4 (default 0, 4 in prod)"
    )
    max_concurrency: int = Field(default=4, ge=4, le=256, description="provisioned ceiling, a multiple of 4")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @property
    def model_path(self) -> str:
        return self.model or f"curated.{self.name.replace('-', '_')}"


class RateLimit(Model):
    role: Role = Field(description="admins, engineers or readers")
    calls_per_minute: int = Field(ge=1, le=100000, description="calls per minute, 1 to 100000")
    endpoint: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$",
        description="one endpoint name, or every endpoint when unset",
    )


class Serving(Model):
    endpoints: list[Endpoint] = Field(default_factory=list, description="the tenant's serving endpoints")
    rate_limits: list[RateLimit] = Field(default_factory=list, description="per-group AI gateway limits")
    calls_per_user_per_minute: int = Field(default=60, ge=1, le=10000, description="cap for any one user")
    calls_per_endpoint_per_minute: int = Field(
        default=600, ge=1, le=100000, description="cap for each endpoint as a whole"
    )


class TenantSpec(Model):
    workspaces: list[WorkspaceRef] = Field(min_length=1, description="environments the tenant lives in")
    catalog: CatalogSpec
    groups: Groups
    grants: list[Grant] = Field(default_factory=list, description="Unity Catalog grants by role")
    abac: Abac = Field(default_factory=Abac)
    compute: Compute
    budget: Budget
    secrets: Secrets = Field(default_factory=Secrets)
    serving: Serving = Field(default_factory=Serving)
    retention_days: int = Field(
        default=90, ge=0, le=3653, description="days an archived tenant's data is kept before destroy"
    )

    @field_validator("workspaces")
    @classmethod
    def _unique_workspaces(cls, value: list[WorkspaceRef]) -> list[WorkspaceRef]:
        names = [ref.name for ref in value]
        if len(set(names)) != len(names):
            raise ValueError("each workspace may be listed once")
        return value


class Tenant(Model):
    """One business unit's isolated, governed slice of the platform."""

    api_version: Literal["lakeward/v1"] = Field(alias="apiVersion", description="lakeward/v1")
    kind: Literal["Tenant"] = Field(description="Tenant")
    metadata: Metadata
    spec: TenantSpec

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def archived(self) -> bool:
        return self.metadata.lifecycle.state == "archived"

    @property
    def is_regulated(self) -> bool:
        """Restricted data or a HIPAA/PCI scope: isolated catalog, ABAC and compliant workspaces only."""
        return self.metadata.data_classification is Classification.RESTRICTED or bool(
            {ComplianceScope.HIPAA, ComplianceScope.PCI} & set(self.metadata.compliance_scopes)
        )

    def principals(self) -> set[str]:
        """Every principal the tenant names: its groups and its owners."""
        return {*self.spec.groups.by_role().values(), *self.metadata.owners}

    def tags(self) -> dict[str, str]:
        """Tags on every taggable resource of the tenant; they override the environment's."""
        return {
            "Tenant": self.name,
            "CostCenter": self.metadata.cost_center,
            "DataClassification": self.metadata.data_classification.value,
            "Owner": self.metadata.owners[0],
        }
