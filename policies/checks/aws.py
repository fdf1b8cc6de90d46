"""The AWS side of a Databricks deployment that checkov's built-in checks miss."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import contract
from ..base import Policy, Resource, Severity, as_blocks, as_list, is_true, load_json_text
from ..contract import parse_reference, resources_of


@dataclass
class Statement:
    """One IAM policy statement, whether written as policy JSON or an aws_iam_policy_document block."""

    effect: str
    actions: list[str]
    principals: dict[str, list[str]]
    resources: list[str]
    conditions: list[tuple[str, str, list[str]]] = field(default_factory=list)
    not_principals: dict[str, list[str]] = field(default_factory=dict)

    def condition_values(self, test: str, variable: str) -> list[str]:
        return [
            str(value).lower()
            for t, v, values in self.conditions
            if t == test and v.lower() == variable.lower()
            for value in values
        ]


def statements(resource: Resource, attribute: str) -> list[Statement] | None:
    """The statements of a policy attribute; None when it cannot be read without deploying."""
    value = resource.get(attribute)
    document = load_json_text(value)
    if isinstance(document, dict):
        return [_from_json(s) for s in as_blocks(document.get("Statement"))]
    reference = contract.parse_reference(value)
    if (
        reference
        and reference.data
        and reference.type == "aws_iam_policy_document"
        and reference.attribute == "json"
    ):
        data = contract.block(resource.document, "data").get(reference.type, {}).get(reference.name)
        if isinstance(data, dict):
            return [_from_block(s) for s in as_blocks(data.get("statement"))]
    return None


def _principals(principal: Any) -> dict[str, list[str]]:
    if principal == "*":
        return {"*": ["*"]}
    if not isinstance(principal, dict):
        return {}
    return {str(k): [str(v) for v in as_list(i)] for k, i in principal.items()}


def _from_json(raw: dict[str, Any]) -> Statement:
    conditions = [
        (test, variable, [str(v) for v in as_list(values)])
        for test, pairs in (raw.get("Condition") or {}).items()
        for variable, values in pairs.items()
    ]
    return Statement(
        effect=str(raw.get("Effect", "")),
        actions=[str(a) for a in as_list(raw.get("Action"))],
        principals=_principals(raw.get("Principal", {})),
        resources=[str(r) for r in as_list(raw.get("Resource"))],
        conditions=conditions,
        not_principals=_principals(raw.get("NotPrincipal", {})),
    )


def _block_principals(blocks: Any) -> dict[str, list[str]]:
    principals: dict[str, list[str]] = {}
    for block in as_blocks(blocks):
        principals.setdefault(str(block.get("type")), []).extend(
            str(i) for i in as_list(block.get("identifiers"))
        )
    return principals


def _from_block(raw: dict[str, Any]) -> Statement:
    conditions = [
        (str(c.get("test")), str(c.get("variable")), [str(v) for v in as_list(c.get("values"))])
        for c in as_blocks(raw.get("condition"))
    ]
    return Statement(
        effect=str(raw.get("effect", "Allow")),
        actions=[str(a) for a in as_list(raw.get("actions"))],
        principals=_block_principals(raw.get("principals")),
        resources=[str(r) for r in as_list(raw.get("resources"))],
        conditions=conditions,
        not_principals=_block_principals(raw.get("not_principals")),
    )


def bucket_arns(resource: Resource) -> set[str]:
    """The ways a policy statement can name the bucket a bucket policy is attached to: the bucket
    resource's `arn` reference and, where its name is literal, `arn:aws:s3:::<name>`."""
    value = str(resource.get("bucket", ""))
    reference = parse_reference(value)
    arns = set()
    name: Any = value
    if reference is not None:
        name = None
        if reference.type == "aws_s3_bucket" and not reference.data:
            arns.add(f"${{aws_s3_bucket.{reference.name}.arn}}")
            name = resources_of(resource.document, "aws_s3_bucket").get(reference.name, {}).get("bucket")
    if isinstance(name, str) and name and "${" not in name:
        arns.add(f"arn:aws:s3:::{name}")
    return arns


class BucketPolicyTlsOnly(Policy):
    id = "LKW_AWS_001"
    name = "Bucket policy denies every request that is not over TLS"
    severity = Severity.HIGH
    resource_types = ("aws_s3_bucket_policy",)
    rationale = (
        "The workspace root and Unity Catalog buckets hold governed data; plain HTTP exposes it in transit."
    )
    remediation = (
        'Add a Deny of s3:* for Principal "*" on this bucket\'s ARN and ARN/* when aws:SecureTransport '
        "is false (reference the bucket's arn, or write arn:aws:s3:::<its name>)."
    )
    soc2 = ("CC6.7",)
    iso27001 = ("A.8.20", "A.8.24")
    hipaa = ("164.312(e)(1)", "164.312(e)(2)(ii)")
    sat = ("DP-4",)

    def problems(self, resource: Resource) -> Iterator[str]:
        found = statements(resource, "policy")
        if found is None:
            yield "policy is not literal JSON or an aws_iam_policy_document in the same stack"
            return
        arns = bucket_arns(resource)
        for statement in found:
            everyone = "*" in statement.principals.get("*", []) + statement.principals.get("AWS", [])
            all_s3 = bool({"s3:*", "*"} & set(statement.actions))
            insecure = "false" in statement.condition_values("Bool", "aws:SecureTransport")
            covered = set(statement.resources)
            bucket = "*" in covered or bool(arns & covered)
            objects = "*" in covered or bool({f"{arn}/*" for arn in arns} & covered)
            if statement.effect == "Deny" and everyone and all_s3 and insecure and objects and bucket:
                return
        yield (
            "no Deny of s3:* to everyone on this bucket's ARN and its objects (ARN/*) when "
            "aws:SecureTransport is false"
        )


class FlowLogsCaptureAll(Policy):
    id = "LKW_AWS_002"
    name = "VPC flow log captures all traffic to a destination"
    severity = Severity.MEDIUM
    resource_types = ("aws_flow_log",)
    rationale = "Accepted and rejected flows are both evidence when investigating exfiltration."
    remediation = "Set traffic_type = ALL, vpc_id, and log_destination (or log_group_name)."
    soc2 = ("CC7.2",)
    iso27001 = ("A.8.15", "A.8.16")
    hipaa = ("164.312(b)",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("traffic_type") != "ALL":
            yield f"traffic_type is {resource.get('traffic_type')!r}, not ALL"
        if not resource.get("vpc_id"):
            yield "vpc_id is not set (the flow log must cover the whole VPC)"
        if not (resource.get("log_destination") or resource.get("log_group_name")):
            yield "no log_destination"


class CrossAccountExternalId(Policy):
    id = "LKW_AWS_003"
    name = "A role trusted by another AWS account requires an external ID"
    severity = Severity.CRITICAL
    resource_types = ("aws_iam_role",)
    rationale = "Without sts:ExternalId any customer of the trusted account could make it assume the role."
    remediation = (
        'Add Condition StringEquals "sts:ExternalId" = <Databricks account ID> to each AWS-principal Allow.'
    )
    soc2 = ("CC6.1", "CC6.3")
    iso27001 = ("A.5.15", "A.8.2", "A.5.19")
    hipaa = ("164.312(a)(1)", "164.312(d)")

    def problems(self, resource: Resource) -> Iterator[str]:
        found = statements(resource, "assume_role_policy")
        if found is None:
            yield "assume_role_policy is not literal JSON or an aws_iam_policy_document in the same stack"
            return
        for statement in found:
            if statement.effect != "Allow" or not statement.principals.get("AWS"):
                continue
            if not [v for v in statement.condition_values("StringEquals", "sts:ExternalId") if v]:
                yield f"trust of {statement.principals['AWS']} has no StringEquals sts:ExternalId condition"


class DatabricksEndpointsPrivateDns(Policy):
    id = "LKW_AWS_004"
    name = "Databricks PrivateLink endpoints are interface endpoints with private DNS"
    severity = Severity.MEDIUM
    resource_types = ("aws_vpc_endpoint",)
    rationale = (
        "Without private DNS, clusters resolve the control plane to public addresses and bypass PrivateLink."
    )
    remediation = 'Set vpc_endpoint_type = "Interface" and private_dns_enabled = true on the endpoint.'
    soc2 = ("CC6.6", "CC6.7")
    iso27001 = ("A.8.20", "A.8.21")
    hipaa = ("164.312(e)(1)",)
    sat = ("NS-3",)

    def applies(self, resource: Resource) -> bool:
        return ".vpce-svc-" in str(resource.get("service_name", ""))

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("vpc_endpoint_type") != "Interface":
            yield "vpc_endpoint_type is not Interface"
        if not is_true(resource.get("private_dns_enabled")):
            yield "private_dns_enabled is not true"


# Condition keys that narrow who may act to a known account, organisation, principal or source.
RESTRICTING_KEYS = {
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "kms:calleraccount",
}
RESTRICTING_TESTS = {"StringEquals", "StringLike", "ArnEquals", "ArnLike", "ForAnyValue:StringEquals"}
# Resource types whose trust or resource-based policy sits in `policy`, and the two that name it otherwise.
POLICY_HOLDERS = (
    "aws_iam_role",
    "aws_s3_bucket_policy",
    "aws_kms_key",
    "aws_sns_topic_policy",
    "aws_sqs_queue_policy",
    "aws_secretsmanager_secret_policy",
    "aws_ecr_repository_policy",
    "aws_cloudwatch_log_resource_policy",
)
POLICY_ATTRIBUTE = {
    "aws_iam_role": "assume_role_policy",
    "aws_cloudwatch_log_resource_policy": "policy_document",
}


def anyone(principals: dict[str, list[str]]) -> bool:
    """Whether a principal block admits any AWS identity: `*`, or an ARN in any account."""
    return any(
        identifier == "*" or identifier.startswith("arn:aws:iam::*:")
        for identifiers in principals.values()
        for identifier in identifiers
    )


def restricted(statement: Statement) -> bool:
    """Whether a condition pins the caller to a known account, organisation, principal or source."""
    return any(
        test in RESTRICTING_TESTS
        and variable.lower() in RESTRICTING_KEYS
        and values
        and all(_narrow(value) for value in values)
        for test, variable, values in statement.conditions
    )


def _narrow(value: str) -> bool:
    """A condition value that names something: not empty, not `*`, no wildcard account (`::*`, `:*:`)."""
    return bool(value) and not value.startswith("*") and "::*" not in value and ":*:" not in value


class NoPolicyAdmitsAnyone(Policy):
    id = "LKW_AWS_005"
    name = "No trust or resource policy lets anyone in without a restricting condition"
    severity = Severity.CRITICAL
    resource_types = POLICY_HOLDERS
    rationale = "A Principal of * lets every AWS account assume the role or use the bucket, key or queue."
    remediation = (
        "Name the trusted principals, or add a condition on aws:PrincipalAccount, aws:PrincipalOrgID, "
        "aws:SourceAccount or aws:SourceArn to every Allow with Principal * or a NotPrincipal."
    )
    soc2 = ("CC6.1", "CC6.3")
    iso27001 = ("A.5.15", "A.8.2")
    hipaa = ("164.312(a)(1)",)
    sat = ("IA-7",)

    def problems(self, resource: Resource) -> Iterator[str]:
        attribute = POLICY_ATTRIBUTE.get(resource.type, "policy")
        if resource.get(attribute) is None:
            return
        found = statements(resource, attribute)
        if found is None:
            yield f"{attribute} is not literal JSON or an aws_iam_policy_document in the same stack"
            return
        for index, statement in enumerate(found):
            if statement.effect != "Allow" or restricted(statement):
                continue
            if anyone(statement.principals):
                yield f"statement {index} allows Principal * {statement.actions}, unrestricted by conditions"
            elif statement.not_principals:
                yield f"statement {index} allows everyone but its NotPrincipal {statement.actions}"
