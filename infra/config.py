"""Typed environment configuration: the only input the constructs take.

Each environment is a YAML file under `environments/`. The models know nothing of CDK; loading a bad
file raises `LakewardError` naming the file, the field and the fix.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from lakeward.errors import LakewardError
from lakeward.governance.library import SCHEMA as GOVERNANCE_SCHEMA
from lakeward.locate import project_path
from lakeward.specfiles import checked_name, inside, load_yaml, read_text

from .text import ESCAPED, SpecModel

ENVIRONMENTS_DIR = project_path("environments")
REQUIRED_TAG_KEYS = ("Project", "Environment", "Owner", "CostCenter", "DataClassification")
SCHEMAS = ("raw", "curated", "chunks", "embeddings", "evaluation", "prompts")

ENVIRONMENT_NAME = r"[a-z][a-z0-9-]{1,38}[a-z0-9]"
Name = Annotated[str, Field(pattern=f"^{ENVIRONMENT_NAME}$")]
UcName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,62}$")]
GroupName = Annotated[str, Field(min_length=2, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")]
# AWS tag rules (Databricks copies the tags onto the EC2 instances and volumes it launches).
TAG_TEXT = r"^[\w .:/=+@-]*$"
TagKey = Annotated[str, Field(min_length=1, max_length=128, pattern=TAG_TEXT)]
TagValue = Annotated[str, Field(max_length=256, pattern=TAG_TEXT)]
Keyword = Annotated[str, Field(min_length=1, max_length=100)]


class Tier(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class AwsConfig(SpecModel):
    account_id: str = Field(pattern=r"^\d{12}$", description="the 12-digit AWS account ID")
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$", description="an AWS region such as us-east-1")


class PrivateLinkServices(SpecModel):
    workspace: str = Field(
        pattern=r"^com\.amazonaws\.vpce\.[a-z0-9-]+\.vpce-svc-[0-9a-f]+$",
        description="the regional Databricks workspace (REST API) VPC endpoint service name",
    )
    relay: str = Field(
        pattern=r"^com\.amazonaws\.vpce\.[a-z0-9-]+\.vpce-svc-[0-9a-f]+$",
        description="the regional secure-cluster-connectivity relay VPC endpoint service name",
    )


class DatabricksConfig(SpecModel):
    account_id: str = Field(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="the Databricks account ID (a UUID from the account console)",
    )
    aws_principal_account: str = Field(
        default="414351767826",
        pattern=r"^\d{12}$",
        description="the AWS account Databricks assumes roles from (414351767826 on commercial AWS)",
    )
    privatelink: PrivateLinkServices


class NetworkConfig(SpecModel):
    vpc_cidr: ipaddress.IPv4Network = Field(description="an IPv4 CIDR of /16 to /24, such as 10.20.0.0/16")
    availability_zones: list[Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$")]] = Field(
        min_length=2, description="two or more distinct AZs of the region, such as us-east-1a"
    )
    private_subnets: list[ipaddress.IPv4Network] = Field(
        min_length=2, description="one cluster subnet CIDR per AZ, inside vpc_cidr"
    )
    endpoint_subnets: list[ipaddress.IPv4Network] = Field(
        min_length=2, description="one PrivateLink endpoint subnet CIDR per AZ, inside vpc_cidr"
    )
    flow_log_retention_days: int = Field(default=365, ge=90, le=3653, description="days, 90 to 3653")

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_size(cls, value: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if not 16 <= value.prefixlen <= 24:
            raise ValueError(f"a /{value.prefixlen} VPC is outside the /16 to /24 range AWS allows")
        return value

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkConfig:
        if len(set(self.availability_zones)) != len(self.availability_zones):
            raise ValueError("availability_zones must be distinct")
        all_subnets: list[tuple[str, ipaddress.IPv4Network]] = []
        for field in ("private_subnets", "endpoint_subnets"):
            subnets = getattr(self, field)
            if len(subnets) != len(self.availability_zones):
                raise ValueError(
                    f"{field} has {len(subnets)} CIDRs for {len(self.availability_zones)} availability zones"
                )
            for subnet in subnets:
                if not subnet.subnet_of(self.vpc_cidr):
                    raise ValueError(f"{field}: {subnet} is not inside vpc_cidr {self.vpc_cidr}")
                all_subnets.append((field, subnet))
        for i, (field_a, a) in enumerate(all_subnets):
            for field_b, b in all_subnets[i + 1 :]:
                if a.overlaps(b):
                    raise ValueError(f"{field_a} {a} overlaps {field_b} {b}")
        return self


class ComplianceStandard(StrEnum):
    """The standards the compliance security profile accepts (the API's `ComplianceStandard`)."""

    CANADA_PROTECTED_B = "CANADA_PROTECTED_B"
    CYBER_ESSENTIAL_PLUS = "CYBER_ESSENTIAL_PLUS"
    FEDRAMP_HIGH = "FEDRAMP_HIGH"
    FEDRAMP_IL5 = "FEDRAMP_IL5"
    FEDRAMP_MODERATE = "FEDRAMP_MODERATE"
    HIPAA = "HIPAA"
    HITRUST = "HITRUST"
    IRAP_PROTECTED = "IRAP_PROTECTED"
    ISMAP = "ISMAP"
    ITAR_EAR = "ITAR_EAR"
    K_FSI = "K_FSI"
    NONE = "NONE"
    PCI_DSS = "PCI_DSS"


class FrontEnd(StrEnum):
    """How people and deploys reach the workspace UI and REST API."""

    # Public access, limited to `allowed_ip_ranges` by the workspace IP access list.
    PUBLIC_IP_ACCESS_LIST = "public_ip_access_list"
    # No public access: only a front-end (transit VPC) endpoint; deploys run inside that network.
    PRIVATE_LINK = "private_link"


class WorkspaceConfig(SpecModel):
    name: Name = Field(description="lowercase letters, digits and dashes, 3 to 40 characters")
    deployment_name: Name | None = Field(
        default=None,
        description="the URL name <prefix>-<deployment_name>, only once Databricks has set the account's "
        "deployment-name prefix; null for the generated URL",
    )
    pricing_tier: Literal["ENTERPRISE"] = "ENTERPRISE"
    front_end: FrontEnd = Field(
        description="public_ip_access_list (public access limited to allowed_ip_ranges) or private_link "
        "(front-end PrivateLink through transit_vpc_endpoint_id; no public access)"
    )
    transit_vpc_endpoint_id: str | None = Field(
        default=None,
        pattern=r"^vpce-[0-9a-f]{8,17}$",
        description="the AWS ID (vpce-...) of the front-end interface endpoint in the transit VPC the "
        "deploys run from; only with front_end private_link",
    )
    allowed_ip_ranges: list[ipaddress.IPv4Network] = Field(
        min_length=1, description="corporate egress CIDRs allowed to reach the workspace UI and API"
    )
    token_max_lifetime_days: int = Field(default=90, ge=1, le=365, description="days, 1 to 365")
    compliance_security_profile: bool = Field(
        default=False, description="true to enable the compliance security profile"
    )
    compliance_standards: list[ComplianceStandard] = Field(
        default_factory=list,
        description="the profile's standards, such as HIPAA or PCI_DSS (SOC 2 is not one: every "
        "workspace is in its scope)",
    )

    @field_validator("allowed_ip_ranges")
    @classmethod
    def _no_open_range(cls, value: list[ipaddress.IPv4Network]) -> list[ipaddress.IPv4Network]:
        for network in value:
            if network.prefixlen < 8:
                raise ValueError(f"{network} is too broad for an IP access list (use /8 or narrower)")
        return value

    @model_validator(mode="after")
    def _front_end_complete(self) -> WorkspaceConfig:
        private = self.front_end is FrontEnd.PRIVATE_LINK
        if private and not self.transit_vpc_endpoint_id:
            raise ValueError(
                "front_end private_link needs transit_vpc_endpoint_id, the front-end endpoint of the "
                "transit VPC deploys run from (without it nothing outside the VPC reaches the workspace)"
            )
        if not private and self.transit_vpc_endpoint_id:
            raise ValueError("transit_vpc_endpoint_id is only used with front_end private_link")
        return self

    @model_validator(mode="after")
    def _compliance_complete(self) -> WorkspaceConfig:
        if self.compliance_security_profile and not self.compliance_standards:
            raise ValueError("the compliance security profile needs compliance_standards, such as [HIPAA]")
        if self.compliance_standards and not self.compliance_security_profile:
            raise ValueError("compliance_standards need compliance_security_profile: true")
        return self


class MetastoreConfig(SpecModel):
    """The account allows one metastore per region: one environment creates it (`create`), in a stack
    of its own; every environment assigns it to its workspace, by `existing_id` or found by region."""

    name: str = Field(
        min_length=3,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="the regional Unity Catalog metastore name: letters, digits, _ . -",
    )
    create: bool = Field(
        default=False,
        description="true in exactly one environment per Databricks account and region: it creates the "
        "metastore in its metastore stack; others find it by region",
    )
    existing_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="the ID of the region's metastore, or null to find it by region",
    )
    owner: GroupName = Field(description="the account group that owns the metastore")

    @model_validator(mode="after")
    def _create_or_reuse(self) -> MetastoreConfig:
        if self.create and self.existing_id:
            raise ValueError("set create or existing_id, not both")
        return self


class GroupsConfig(SpecModel):
    admins: GroupName = Field(description="account group administering the platform")
    engineers: GroupName = Field(description="account group building pipelines")
    readers: GroupName = Field(description="account group reading curated data and answers")
    jobs_service_principal: str = Field(
        min_length=3,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$",
        description="display name of the service principal jobs run as: letters, digits, space . _ -",
    )

    @model_validator(mode="after")
    def _distinct(self) -> GroupsConfig:
        names = [self.admins, self.engineers, self.readers]
        if len(set(names)) != len(names):
            raise ValueError("admins, engineers and readers must be different groups")
        for name in names:
            if name.lower() in {"users", "account users", "admins"}:
                raise ValueError(f"'{name}' is a built-in group; name a dedicated account group")
        return self


class CatalogConfig(SpecModel):
    name: UcName = Field(description="lowercase letters, digits and underscores, starting with a letter")
    schemas: list[UcName] = Field(default=list(SCHEMAS), description=f"must include {', '.join(SCHEMAS)}")

    @field_validator("schemas")
    @classmethod
    def _pipeline_schemas(cls, value: list[str]) -> list[str]:
        missing = [schema for schema in SCHEMAS if schema not in value]
        if missing:
            raise ValueError(f"the LLM pipeline needs the schemas {', '.join(missing)}")
        if len(set(value)) != len(value):
            raise ValueError("schema names must be unique")
        if GOVERNANCE_SCHEMA in value:
            raise ValueError(f"'{GOVERNANCE_SCHEMA}' is reserved for the bootstrap's functions; remove it")
        return value


class ComputeConfig(SpecModel):
    runtimes: list[str] = Field(
        min_length=1,
        description="allowed LTS Databricks runtime keys, such as 15.4.x-scala2.12",
    )
    node_types: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")]] = Field(
        min_length=1, description="allowed EC2 instance types for CPU clusters, such as m6i.xlarge"
    )
    autotermination_minutes: int = Field(default=30, ge=10, le=120, description="minutes, 10 to 120")
    max_workers: int = Field(default=8, ge=1, le=256, description="workers per cluster, 1 to 256")
    max_dbus_per_hour: int = Field(default=40, ge=1, le=2000, description="DBU per hour cap, 1 to 2000")

    @field_validator("runtimes")
    @classmethod
    def _runtime_keys(cls, value: list[str]) -> list[str]:
        for runtime in value:
            if not re.fullmatch(r"\d+\.\d+\.x-(cpu-ml-|gpu-ml-)?scala2\.1[23]", runtime):
                raise ValueError(f"'{runtime}' is not a runtime key like 15.4.x-scala2.12")
        return value


class GpuConfig(SpecModel):
    node_type: str = Field(
        pattern=r"^(g4dn|g5|g6|g6e|p3|p4d|p5)\.[a-z0-9]+$", description="a GPU instance type"
    )
    runtime: str = Field(pattern=r"^\d+\.\d+\.x-gpu-ml-scala2\.1[23]$", description="a GPU ML runtime key")
    max_capacity: int = Field(default=4, ge=1, le=64, description="GPU instances in the pool, 1 to 64")
    max_workers: int = Field(default=4, ge=1, le=64, description="GPU workers per cluster, 1 to 64")
    max_dbus_per_hour: int = Field(default=60, ge=1, le=2000, description="DBU per hour cap, 1 to 2000")
    idle_minutes: int = Field(default=10, ge=1, le=60, description="idle instance auto-termination, minutes")

    @model_validator(mode="after")
    def _workers_fit_pool(self) -> GpuConfig:
        if self.max_workers >= self.max_capacity:
            raise ValueError(
                f"max_workers ({self.max_workers}) must be below the pool's max_capacity "
                f"({self.max_capacity}), which also holds the driver"
            )
        return self


class ServingEndpointConfig(SpecModel):
    name: Name = Field(description="lowercase letters, digits and dashes")
    entity: str = Field(
        pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
        description="a Unity Catalog model as catalog.schema.model",
    )
    workload_size: Literal["Small", "Medium", "Large"] = "Small"
    min_concurrency: int = Field(default=0, ge=0, le=256, description="provisioned concurrency floor")
    max_concurrency: int = Field(default=8, ge=4, le=256, description="provisioned concurrency ceiling")
    calls_per_user_per_minute: int = Field(default=60, ge=1, le=10000, description="per-user rate limit")
    calls_per_endpoint_per_minute: int = Field(default=600, ge=1, le=100000, description="endpoint limit")

    @model_validator(mode="after")
    def _bounds(self) -> ServingEndpointConfig:
        if self.min_concurrency % 4 or self.max_concurrency % 4:
            raise ValueError("provisioned concurrency moves in steps of 4: use multiples of 4")
        if self.min_concurrency > self.max_concurrency:
            raise ValueError(
                f"min_concurrency ({self.min_concurrency}) exceeds max_concurrency ({self.max_concurrency})"
            )
        if self.calls_per_user_per_minute > self.calls_per_endpoint_per_minute:
            raise ValueError("calls_per_user_per_minute exceeds calls_per_endpoint_per_minute")
        return self


class ServingConfig(SpecModel):
    endpoints: list[ServingEndpointConfig] = Field(min_length=1, description="at least one endpoint")
    vector_search_endpoint: Name = Field(description="name of the vector search endpoint")
    vector_search_sync: Literal["TRIGGERED", "CONTINUOUS"] = Field(
        default="TRIGGERED",
        description="how the indexes follow their tables: TRIGGERED (a sync after each pipeline run) or "
        "CONTINUOUS (within seconds, billed while running)",
    )
    blocked_keywords: Annotated[list[Keyword], ESCAPED] = Field(
        default_factory=list, max_length=100, description="terms the AI gateway refuses, 1 to 100 characters"
    )


# Quartz cron (seconds first, optional year), the syntax Databricks job schedules take
# (https://docs.databricks.com/api/workspace/jobs/create#schedule-quartz_cron_expression).
QuartzCron = Annotated[
    str,
    Field(pattern=r"^\S+ \S+ \S+ \S+ \S+ \S+( \S+)?$", max_length=120),
]


class JobsConfig(SpecModel):
    notify_on_failure: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]] = Field(
        min_length=1, description="e-mail addresses told when a pipeline job fails"
    )
    ingest_schedule: QuartzCron = Field(
        default="0 0 2 * * ?",
        description="when ingestion runs: a Quartz cron expression, such as 0 0 2 * * ?",
    )
    monitor_schedule: QuartzCron = Field(
        default="0 30 * * * ?",
        description="when the drift monitor compares recent requests: a Quartz cron expression (hourly)",
    )
    upkeep_schedule: QuartzCron = Field(
        default="0 0 4 ? * SUN",
        description="when table upkeep compacts and vacuums: a Quartz cron expression (weekly)",
    )
    timezone: str = Field(
        default="UTC",
        max_length=64,
        pattern=r"^[A-Za-z][A-Za-z0-9_+/-]*$",
        description="a Java time zone ID such as UTC or Europe/Berlin",
    )
    max_retries: int = Field(default=2, ge=0, le=5, description="retries per task, 0 to 5")
    timeout_minutes: int = Field(default=180, ge=10, le=1440, description="minutes per task, 10 to 1440")


class WarehouseConfig(SpecModel):
    """The serverless SQL warehouse that `lakeward bootstrap` runs its statements on."""

    size: Literal["2X-Small", "X-Small", "Small", "Medium", "Large"] = Field(
        default="2X-Small", description="cluster size: 2X-Small, X-Small, Small, Medium or Large"
    )
    # The Warehouses API: auto_stop_mins "Must be == 0 or >= 10 mins" (0: never stops, refused here).
    # https://databricks.github.io/sdk-js/api/interfaces/_databricks_sdk-warehouses.v1.CreateWarehouseRequest.html
    auto_stop_minutes: int = Field(
        default=10, ge=10, le=120, description="idle minutes before it stops, 10 to 120"
    )
    max_clusters: int = Field(default=1, ge=1, le=10, description="clusters under load, 1 to 10")


class StateConfig(SpecModel):
    backend: Literal["s3", "local"] = Field(description="s3 for real deploys, local for offline work")
    bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    key_prefix: str = Field(default="lakeward", pattern=r"^[A-Za-z0-9_./-]+$")
    kms_key_id: str | None = Field(
        default=None,
        pattern=r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+|alias/[A-Za-z0-9/_-]+)$",
        description="the KMS key ARN or alias encrypting state, such as alias/lakeward-tfstate",
    )

    @model_validator(mode="after")
    def _s3_complete(self) -> StateConfig:
        if self.backend == "s3" and not (self.bucket and self.region):
            raise ValueError("the s3 backend needs bucket and region")
        return self


class Environment(SpecModel):
    """One deployable environment: everything the stacks need, nothing they derive."""

    name: Name = Field(description="the environment name, matching its file name")
    tier: Tier = Field(description="dev, staging or prod")
    aws: AwsConfig
    databricks: DatabricksConfig
    network: NetworkConfig
    workspace: WorkspaceConfig
    metastore: MetastoreConfig
    catalog: CatalogConfig
    groups: GroupsConfig
    compute: ComputeConfig
    gpu: GpuConfig
    serving: ServingConfig
    jobs: JobsConfig
    warehouse: WarehouseConfig = Field(default_factory=WarehouseConfig)
    state: StateConfig
    tags: dict[TagKey, TagValue] = Field(
        max_length=40,
        description="must include Owner, CostCenter and DataClassification; AWS tag characters, "
        "keys up to 128 and values up to 256 characters",
    )

    @field_validator("tags")
    @classmethod
    def _required_tags(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [key for key in ("Owner", "CostCenter", "DataClassification") if not value.get(key)]
        if missing:
            raise ValueError(f"missing required tags: {', '.join(missing)}")
        for key in ("Project", "Environment"):
            if key in value:
                raise ValueError(f"the tag {key} is set by Lakeward; remove it")
        if reserved := [key for key in value if key.lower().startswith("aws:")]:
            raise ValueError(f"the aws: prefix is reserved by AWS: {', '.join(reserved)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Environment:
        if not all(az.startswith(self.aws.region) for az in self.network.availability_zones):
            raise ValueError(f"network.availability_zones must all lie in aws.region {self.aws.region}")
        for service in (self.databricks.privatelink.workspace, self.databricks.privatelink.relay):
            if f".{self.aws.region}." not in service:
                raise ValueError(f"databricks.privatelink service {service} is not in {self.aws.region}")
        for endpoint in self.serving.endpoints:
            if self.is_production and endpoint.min_concurrency < 4:
                raise ValueError(
                    f"serving endpoint {endpoint.name}: production endpoints keep min_concurrency "
                    "of 4 or more (scale to zero is for dev and staging)"
                )
            if not self.is_production and endpoint.min_concurrency != 0:
                raise ValueError(
                    f"serving endpoint {endpoint.name}: outside prod endpoints scale to zero; "
                    "set min_concurrency to 0"
                )
        return self

    @property
    def is_production(self) -> bool:
        return self.tier is Tier.PROD

    @property
    def prefix(self) -> str:
        """Name prefix for every resource of this environment."""
        return f"lakeward-{self.name}"

    def resource_tags(self) -> dict[str, str]:
        return {"Project": "lakeward", "Environment": self.name, **self.tags}


def _describe(error: ErrorDetails, model: type[BaseModel]) -> tuple[str, str]:
    """Dotted field path and a fix hint for one pydantic error."""
    loc = [str(part) for part in error["loc"]]
    field = ".".join(loc) if loc else "(top level)"
    if error["type"] == "extra_forbidden":
        return field, "remove this key or correct its spelling (see schemas/environment.schema.json)"
    if error["type"] == "missing":
        return field, f"add {field} (see schemas/environment.schema.json)"
    info = _field_info(model, [part for part in error["loc"] if isinstance(part, str)])
    if info is not None and info.description:
        return field, f"set {field} to {info.description}"
    return field, "see schemas/environment.schema.json for the allowed values"


def _field_info(model: type[BaseModel], path: list[str]) -> Any:
    info = None
    current: Any = model
    for part in path:
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return info
        info = fields[part]
        annotation = info.annotation
        args = getattr(annotation, "__args__", ())
        current = next(
            (arg for arg in (annotation, *args) if isinstance(arg, type) and issubclass(arg, BaseModel)), None
        )
    return info


def parse_environment(data: Any, source: str) -> Environment:
    """Validate already-parsed YAML, raising `LakewardError` on the first problem."""
    if not isinstance(data, dict):
        raise LakewardError(
            "the file must hold a YAML mapping", source=source, fix="see environments/dev.yaml"
        )
    try:
        return Environment.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field, fix = _describe(first, Environment)
        message = first["msg"].removeprefix("Value error, ")
        extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise LakewardError(message + extra, source=source, field=field, fix=fix) from None


def load_environment_file(path: Path) -> Environment:
    """Load and validate one environment file."""
    source = str(path)
    text = read_text(path, what="environment file", fix="create it or pick one under environments/")
    env = parse_environment(load_yaml(text, source), source)
    if env.name != path.stem:
        raise LakewardError(
            f"name '{env.name}' differs from the file name",
            source=source,
            field="name",
            fix=f"set name to {path.stem}",
        )
    return env


def load_environment(name: str, directory: Path = ENVIRONMENTS_DIR) -> Environment:
    """Load `environments/<name>.yaml`; the name is checked before it becomes a path."""
    checked_name(name, field="--env", pattern=ENVIRONMENT_NAME, fix=f"use a file name under {directory}")
    path = inside(directory, name, ".yaml")
    if not path.exists():
        available = sorted(p.stem for p in directory.glob("*.yaml"))
        raise LakewardError(
            f"unknown environment '{name}'",
            source=str(path),
            fix=f"use one of: {', '.join(available) or '(none found)'}",
        )
    return load_environment_file(path)


def check_shared_singletons(envs: list[Environment], sources: list[str]) -> None:
    """Refuse two environments that would both create the metastore of one account and region."""
    creators: dict[tuple[str, str], str] = {}
    for env, source in zip(envs, sources, strict=True):
        if not env.metastore.create:
            continue
        key = (env.databricks.account_id, env.aws.region)
        if key in creators:
            raise LakewardError(
                f"environments {creators[key]} and {env.name} both create the {env.aws.region} metastore "
                "of one Databricks account, which holds one metastore per region",
                source=source,
                field="metastore.create",
                fix=f"set metastore.create to false here; {creators[key]} creates it",
            )
        creators[key] = env.name


def environment_json_schema() -> dict[str, Any]:
    """The JSON Schema editors use to validate environment files."""
    schema = Environment.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://lakeward.dev/schemas/environment.schema.json"
    return schema
