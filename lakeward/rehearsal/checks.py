"""Verification of what a rehearsal deployed, read back through the AWS API (boto3).

Terraform's state says which objects the stack owns; each check then asks the API how those objects
are really configured. One check is one small function registered under the name it reports.

These are not checks of the policy pack's kind (`policies.base.Check`), which judge the synthesized JSON
before deployment: they query live (emulated) AWS through boto3 after apply, so they take a `Context` of
clients and deployed objects rather than a resource. In the pack's words, the registered name is the
check's ID and a `CheckResult` its verdict (`ok`) with the reason (`detail`); the field names are the
published keys of the rehearsal's JSON report.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from infra.config import Environment
from lakeward.rehearsal.emulator import EMULATOR_KEY_ID, EMULATOR_SECRET

OPEN_RANGES = {"0.0.0.0/0", "::/0"}


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Expectations:
    """What the environment configuration says must be true of the deployment."""

    account_id: str
    external_id: str
    privatelink: dict[str, str]

    @classmethod
    def from_environment(cls, env: Environment) -> Expectations:
        links = env.databricks.privatelink
        return cls(
            env.aws.account_id,
            env.databricks.account_id,
            {"workspace": links.workspace, "relay": links.relay},
        )


@dataclass
class Deployed:
    """The managed objects a terraform state holds: type -> list of attribute maps."""

    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    addresses: list[str] = field(default_factory=list)

    @classmethod
    def from_state(cls, path: Path) -> Deployed:
        if not path.exists():
            return cls()
        state = json.loads(path.read_text(encoding="utf-8"))
        if state.get("version") != 4:
            raise ValueError(f"{path}: terraform state version {state.get('version')} is not 4")
        deployed = cls()
        for resource in state.get("resources", []):
            if resource.get("mode") != "managed":
                continue
            for instance in resource.get("instances", []):
                deployed.objects.setdefault(resource["type"], []).append(instance["attributes"])
                key = instance.get("index_key")
                suffix = f"[{json.dumps(key)}]" if key is not None else ""
                deployed.addresses.append(f"{resource['type']}.{resource['name']}{suffix}")
        return deployed

    def ids(self, type_name: str, attribute: str = "id") -> list[str]:
        return sorted(item[attribute] for item in self.objects.get(type_name, []))


@dataclass
class Context:
    """What every check reads: the inventory, the expectations and boto3 clients on the emulator."""

    deployed: Deployed
    expected: Expectations
    endpoint: str
    region: str
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.session.Session().client(
                service,
                endpoint_url=self.endpoint,
                region_name=self.region,
                aws_access_key_id=EMULATOR_KEY_ID,
                aws_secret_access_key=EMULATOR_SECRET,
            )
        return self._clients[service]

    @cached_property
    def buckets(self) -> list[str]:
        return self.deployed.ids("aws_s3_bucket", "bucket")

    @cached_property
    def log_targets(self) -> dict[str, str]:
        """Bucket -> the bucket its server access logs go to, as the API reports it."""
        targets = {}
        for bucket in self.buckets:
            enabled = self.client("s3").get_bucket_logging(Bucket=bucket).get("LoggingEnabled")
            if enabled:
                targets[bucket] = enabled["TargetBucket"]
        return targets

    @cached_property
    def vpc_ids(self) -> list[str]:
        return self.deployed.ids("aws_vpc")


Check = Callable[[Context], tuple[bool, str]]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    """Register a check under the name its result carries."""

    def register(function: Check) -> Check:
        CHECKS[name] = function
        return function

    return register


def _require(items: list[str], what: str) -> None:
    if not items:
        raise LookupError(f"the stack deployed no {what}")


def _error_code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)


def _summary(failures: list[str], passed: str) -> tuple[bool, str]:
    return (False, "; ".join(failures)) if failures else (True, passed)


@check("public_access_blocked")
def public_access_blocked(ctx: Context) -> tuple[bool, str]:
    """All four S3 public access block settings on every bucket."""
    _require(ctx.buckets, "S3 buckets")
    failures = []
    for bucket in ctx.buckets:
        try:
            config = ctx.client("s3").get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        except Exception as exc:
            failures.append(f"{bucket}: no public access block ({_error_code(exc)})")
            continue
        off = sorted(key for key, value in config.items() if value is not True)
        if off:
            failures.append(f"{bucket}: {', '.join(off)} off")
    return _summary(failures, f"{len(ctx.buckets)} buckets block all public access")


@check("bucket_encryption_kms")
def bucket_encryption_kms(ctx: Context) -> tuple[bool, str]:
    """SSE-KMS with one of the stack's own keys; an access-log target may use SSE-S3 instead, since S3
    server access logging cannot deliver into an SSE-KMS bucket."""
    _require(ctx.buckets, "S3 buckets")
    keys = {*ctx.deployed.ids("aws_kms_key", "arn"), *ctx.deployed.ids("aws_kms_key", "key_id")}
    log_buckets = set(ctx.log_targets.values())
    failures, kms = [], 0
    for bucket in ctx.buckets:
        try:
            rules = ctx.client("s3").get_bucket_encryption(Bucket=bucket)[
                "ServerSideEncryptionConfiguration"
            ]["Rules"]
        except Exception as exc:
            failures.append(f"{bucket}: no default encryption ({_error_code(exc)})")
            continue
        defaults = [rule.get("ApplyServerSideEncryptionByDefault", {}) for rule in rules]
        if any(d.get("SSEAlgorithm") == "aws:kms" and d.get("KMSMasterKeyID") in keys for d in defaults):
            kms += 1
        elif bucket in log_buckets and any(d.get("SSEAlgorithm") == "AES256" for d in defaults):
            continue
        else:
            found = ", ".join(
                f"{d.get('SSEAlgorithm')} {d.get('KMSMasterKeyID') or ''}".strip() for d in defaults
            )
            failures.append(f"{bucket}: {found or 'no default rule'} is not SSE-KMS with a key of this stack")
    return _summary(failures, f"{kms} buckets use SSE-KMS with a stack key, log targets SSE-S3")


@check("bucket_versioning")
def bucket_versioning(ctx: Context) -> tuple[bool, str]:
    _require(ctx.buckets, "S3 buckets")
    failures = []
    for bucket in ctx.buckets:
        status = ctx.client("s3").get_bucket_versioning(Bucket=bucket).get("Status", "never enabled")
        if status != "Enabled":
            failures.append(f"{bucket}: versioning {status}")
    return _summary(failures, f"{len(ctx.buckets)} buckets versioned")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _denies_plain_http(statement: dict[str, Any], bucket: str) -> bool:
    condition = statement.get("Condition", {}).get("Bool", {})
    secure = [str(value).lower() for value in _as_list(condition.get("aws:SecureTransport", []))]
    principal = statement.get("Principal")
    resources = set(_as_list(statement.get("Resource", [])))
    return (
        statement.get("Effect") == "Deny"
        and principal in ("*", {"AWS": "*"})
        and bool({"s3:*", "*"} & set(_as_list(statement.get("Action", []))))
        and secure == ["false"]
        and {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"} <= resources
    )


@check("bucket_tls_only")
def bucket_tls_only(ctx: Context) -> tuple[bool, str]:
    """A bucket policy statement that denies every request without TLS, on the bucket and its objects."""
    _require(ctx.buckets, "S3 buckets")
    failures = []
    for bucket in ctx.buckets:
        try:
            document = json.loads(ctx.client("s3").get_bucket_policy(Bucket=bucket)["Policy"])
        except Exception as exc:
            failures.append(f"{bucket}: no bucket policy ({_error_code(exc)})")
            continue
        if not any(_denies_plain_http(s, bucket) for s in _as_list(document.get("Statement", []))):
            failures.append(f"{bucket}: no statement denies aws:SecureTransport=false")
    return _summary(failures, f"{len(ctx.buckets)} bucket policies deny plain HTTP")


@check("bucket_access_logging")
def bucket_access_logging(ctx: Context) -> tuple[bool, str]:
    """Every bucket that is not itself a log target sends server access logs to a bucket of the stack."""
    _require(ctx.buckets, "S3 buckets")
    targets = ctx.log_targets
    log_buckets = set(targets.values())
    failures = []
    for bucket in ctx.buckets:
        if bucket in log_buckets:
            continue
        if bucket not in targets:
            failures.append(f"{bucket}: server access logging off")
        elif targets[bucket] not in ctx.buckets:
            failures.append(f"{bucket}: logs to {targets[bucket]}, outside this stack")
    logged = len(ctx.buckets) - len(log_buckets)
    return _summary(failures, f"{logged} buckets log to {', '.join(sorted(log_buckets)) or '(none)'}")


@check("flow_logs_enabled")
def flow_logs_enabled(ctx: Context) -> tuple[bool, str]:
    """An active flow log capturing ALL traffic on every VPC."""
    _require(ctx.vpc_ids, "VPC")
    failures: list[str] = []
    found: list[str] = []
    for vpc in ctx.vpc_ids:
        logs = ctx.client("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc]}])[
            "FlowLogs"
        ]
        active = [
            log for log in logs if log.get("FlowLogStatus") == "ACTIVE" and log.get("TrafficType") == "ALL"
        ]
        if not active:
            failures.append(f"{vpc}: no active flow log of ALL traffic")
        else:
            found.extend(f"{vpc} -> {log.get('LogDestination') or log.get('LogGroupName')}" for log in active)
    return _summary(failures, "; ".join(found))


def _private_subnets(ctx: Context, vpc: str) -> dict[str, str]:
    """Subnet -> AZ for the VPC's subnets that give no public IPs and have no route to an internet gateway."""
    ec2 = ctx.client("ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    public = {
        association.get("SubnetId")
        for table in tables
        if any(route.get("GatewayId", "").startswith("igw-") for route in table.get("Routes", []))
        for association in table.get("Associations", [])
    }
    return {
        subnet["SubnetId"]: subnet["AvailabilityZone"]
        for subnet in subnets
        if not subnet.get("MapPublicIpOnLaunch") and subnet["SubnetId"] not in public
    }


@check("privatelink_endpoints")
def privatelink_endpoints(ctx: Context) -> tuple[bool, str]:
    """The Databricks workspace (REST API) and relay (SCC) interface endpoints, available, in private
    subnets of the stack's VPC across two or more availability zones."""
    _require(ctx.vpc_ids, "VPC")
    failures, found = [], []
    for vpc in ctx.vpc_ids:
        private = _private_subnets(ctx, vpc)
        endpoints = ctx.client("ec2").describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
        by_service = {endpoint["ServiceName"]: endpoint for endpoint in endpoints["VpcEndpoints"]}
        for role, service in sorted(ctx.expected.privatelink.items()):
            endpoint = by_service.get(service)
            if endpoint is None:
                failures.append(f"{role}: no endpoint for {service} in {vpc}")
                continue
            subnets = endpoint.get("SubnetIds", [])
            outside = [subnet for subnet in subnets if subnet not in private]
            zones = sorted({private[subnet] for subnet in subnets if subnet in private})
            if endpoint.get("VpcEndpointType") != "Interface":
                failures.append(f"{role}: {endpoint['VpcEndpointId']} is {endpoint.get('VpcEndpointType')}")
            elif endpoint.get("State", "").lower() != "available":
                failures.append(f"{role}: {endpoint['VpcEndpointId']} is {endpoint.get('State')}")
            elif outside or not subnets:
                failures.append(
                    f"{role}: {endpoint['VpcEndpointId']} in non-private subnets {outside or '(none)'}"
                )
            elif len(zones) < 2:
                failures.append(f"{role}: {endpoint['VpcEndpointId']} only in {', '.join(zones)}")
            else:
                found.append(f"{role} {endpoint['VpcEndpointId']} in {', '.join(zones)}")
    return _summary(failures, "; ".join(found))


@check("no_open_ingress")
def no_open_ingress(ctx: Context) -> tuple[bool, str]:
    """No security group of the VPC (the default one included) admits 0.0.0.0/0 or ::/0."""
    _require(ctx.vpc_ids, "VPC")
    failures, count = [], 0
    for vpc in ctx.vpc_ids:
        groups = ctx.client("ec2").describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
        for group in groups["SecurityGroups"]:
            count += 1
            for permission in group.get("IpPermissions", []):
                ranges = [r.get("CidrIp") for r in permission.get("IpRanges", [])]
                ranges += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges", [])]
                for cidr in sorted(OPEN_RANGES & set(ranges)):
                    ports = f"{permission.get('FromPort', 'all')}-{permission.get('ToPort', 'all')}"
                    failures.append(f"{group['GroupId']} ({group['GroupName']}): {cidr} on {ports}")
    return _summary(failures, f"{count} security groups, none open to the internet")


@check("no_internet_gateway")
def no_internet_gateway(ctx: Context) -> tuple[bool, str]:
    _require(ctx.vpc_ids, "VPC")
    gateways = ctx.client("ec2").describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": ctx.vpc_ids}]
    )["InternetGateways"]
    failures = [f"{gateway['InternetGatewayId']} attached" for gateway in gateways]
    return _summary(failures, f"no internet gateway on {', '.join(ctx.vpc_ids)}")


def _trust_document(role: dict[str, Any]) -> dict[str, Any]:
    document = role["AssumeRolePolicyDocument"]
    return json.loads(urllib.parse.unquote(document)) if isinstance(document, str) else document


def _aws_principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal", {})
    if principal == "*":
        return ["*"]
    return [str(p) for p in _as_list(principal.get("AWS", []))] if isinstance(principal, dict) else []


@check("cross_account_external_id")
def cross_account_external_id(ctx: Context) -> tuple[bool, str]:
    """Every role statement that trusts an AWS principal requires sts:ExternalId equal to the Databricks
    account ID; at least one role (the cross-account role) trusts another account."""
    roles = ctx.deployed.ids("aws_iam_role", "name")
    _require(roles, "IAM roles")
    failures, cross_account, guarded = [], [], 0
    for name in roles:
        document = _trust_document(ctx.client("iam").get_role(RoleName=name)["Role"])
        for statement in _as_list(document.get("Statement", [])):
            principals = _aws_principals(statement)
            if statement.get("Effect") != "Allow" or not principals:
                continue
            external = statement.get("Condition", {}).get("StringEquals", {}).get("sts:ExternalId")
            if _as_list(external) != [ctx.expected.external_id]:
                trusted = ", ".join(principals)
                failures.append(f"{name}: trusts {trusted} without sts:ExternalId={ctx.expected.external_id}")
                continue
            guarded += 1
            if any(f":{ctx.expected.account_id}:" not in p for p in principals):
                cross_account.append(name)
    if not cross_account and not failures:
        failures.append("no role trusts another account (the cross-account role is missing)")
    return _summary(
        failures,
        f"{guarded} trust statements require the external ID ({', '.join(sorted(set(cross_account)))})",
    )


@check("kms_key_rotation")
def kms_key_rotation(ctx: Context) -> tuple[bool, str]:
    keys = ctx.deployed.ids("aws_kms_key", "key_id")
    _require(keys, "KMS keys")
    failures = [
        f"{key}: rotation off"
        for key in keys
        if not ctx.client("kms").get_key_rotation_status(KeyId=key).get("KeyRotationEnabled")
    ]
    return _summary(failures, f"{len(keys)} keys rotate")


def run_checks(ctx: Context, names: list[str] | None = None) -> list[CheckResult]:
    """Run the named checks (all by default); an API error fails that check, never the others."""
    results = []
    for name in names or list(CHECKS):
        try:
            ok, detail = CHECKS[name](ctx)
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results.append(CheckResult(name, ok, detail))
    return results
