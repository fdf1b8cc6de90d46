"""Aim a synthesized stack at the emulator: a copy with a rehearsal provider configuration, the AWS
provider version the mirror holds, and a local backend. The synthesized document is never modified.

Every AWS service the stack's resources use gets an endpoint on the emulator, and the credentials are
fixed test values, so no request can reach a real AWS account.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.rehearsal.emulator import EMULATOR_KEY_ID, EMULATOR_SECRET

TEST_CREDENTIALS = {"access_key": EMULATOR_KEY_ID, "secret_key": EMULATOR_SECRET}
# Resource and data source type prefixes and the endpoint (AWS provider `endpoints` key) serving them.
SERVICE_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("aws_s3_", "s3"),
    ("aws_kms_", "kms"),
    ("aws_iam_", "iam"),
    ("aws_cloudwatch_log_", "logs"),
    ("aws_kinesis_", "kinesis"),
    ("aws_sns_", "sns"),
    ("aws_sqs_", "sqs"),
    ("aws_vpc", "ec2"),
    ("aws_subnet", "ec2"),
    ("aws_security_group", "ec2"),
    ("aws_default_security_group", "ec2"),
    ("aws_default_network_acl", "ec2"),
    ("aws_default_route_table", "ec2"),
    ("aws_route", "ec2"),
    ("aws_internet_gateway", "ec2"),
    ("aws_nat_gateway", "ec2"),
    ("aws_eip", "ec2"),
    ("aws_network_acl", "ec2"),
    ("aws_flow_log", "ec2"),
    ("aws_ec2_", "ec2"),
    ("aws_availability_zones", "ec2"),
    ("aws_caller_identity", "sts"),
)
# Data sources the provider answers without calling AWS.
LOCAL_DATA_SOURCES = {"aws_region", "aws_partition", "aws_iam_policy_document"}
# Always aimed at the emulator: the provider itself calls STS and IAM to learn the account ID.
BASE_SERVICES = ("sts", "iam")


@dataclass(frozen=True)
class Exclusion:
    """A resource type left out of the rehearsal because the emulator cannot apply it, and why."""

    resource_type: str
    reason: str


# Resource types that moto cannot apply or that the 5.x provider cannot run against moto. Each is
# listed in the rehearsal's output and in docs/rehearsal.md; keep this empty whenever possible.
EXCLUSIONS: tuple[Exclusion, ...] = ()


@dataclass
class RehearsalStack:
    """The document terraform applies, what it left out, and the provider versions involved."""

    document: dict[str, Any]
    services: list[str]
    synthesized_provider: str | None
    rehearsed_provider: str
    excluded: list[dict[str, str]] = field(default_factory=list)
    adjustments: list[str] = field(default_factory=list)


def service_of(type_name: str, *, data_source: bool = False) -> str | None:
    """The endpoint key serving a resource or data source type; None for local-only data sources."""
    if data_source and type_name in LOCAL_DATA_SOURCES:
        return None
    for prefix, service in SERVICE_BY_PREFIX:
        if type_name.startswith(prefix):
            return service
    kind = "data source" if data_source else "resource"
    raise LakewardError(
        f"the rehearsal has no emulator endpoint for the {kind} type {type_name}",
        field=type_name,
        fix="add its service to SERVICE_BY_PREFIX in lakeward/rehearsal/rehearsal_stack.py if moto "
        "supports it, or list it in EXCLUSIONS there with the reason",
    )


def rehearsal_stack(
    synthesized: dict[str, Any],
    *,
    endpoint: str,
    provider_version: str,
    state_path: Path,
    exclusions: tuple[Exclusion, ...] = EXCLUSIONS,
) -> RehearsalStack:
    """A copy of `synthesized` aimed at `endpoint` with the AWS provider pinned to `provider_version`."""
    document = copy.deepcopy(synthesized)
    providers = document.get("provider", {})
    others = sorted(set(providers) - {"aws"})
    if others or "aws" not in providers:
        raise LakewardError(
            f"the stack uses the providers {', '.join(sorted(providers)) or '(none)'}; the rehearsal "
            "applies AWS-only stacks",
            field="provider",
            fix="rehearse the foundation stack, which needs no Databricks provider",
        )
    excluded = _exclude(document, exclusions)
    services = set(BASE_SERVICES)
    for type_name in document.get("resource", {}):
        services.add(service_of(type_name) or "")
    for type_name in document.get("data", {}):
        services.add(service_of(type_name, data_source=True) or "")
    services.discard("")
    endpoints = {service: endpoint for service in sorted(services)}
    for config in providers["aws"]:
        for key in ("profile", "shared_config_files", "shared_credentials_files", "assume_role", "token"):
            config.pop(key, None)
        config.update(
            TEST_CREDENTIALS,
            endpoints=[endpoints],
            s3_use_path_style=True,
            skip_credentials_validation=True,
            skip_metadata_api_check="true",
            skip_region_validation=True,
        )
    terraform = document.setdefault("terraform", {})
    required = terraform.setdefault("required_providers", {}).setdefault("aws", {"source": "hashicorp/aws"})
    synthesized_version = required.get("version")
    required["version"] = provider_version
    terraform["backend"] = {"local": {"path": str(state_path)}}
    adjustments = [
        f"provider aws pinned to {provider_version} (synthesized for {synthesized_version})",
        f"endpoints {', '.join(sorted(services))} on the emulator, test credentials, local state",
    ]
    buckets = document.get("resource", {}).get("aws_s3_bucket", {})
    for bucket in buckets.values():
        bucket["force_destroy"] = True
    if buckets:
        adjustments.append(
            f"force_destroy on {len(buckets)} buckets (a terraform-only setting: destroy also removes the "
            "server access logs the emulator delivers into the log bucket)"
        )
    return RehearsalStack(
        document, sorted(services), synthesized_version, provider_version, excluded, adjustments
    )


def _exclude(document: dict[str, Any], exclusions: tuple[Exclusion, ...]) -> list[dict[str, str]]:
    resources = document.get("resource", {})
    excluded = []
    for exclusion in exclusions:
        for name in sorted(resources.pop(exclusion.resource_type, {})):
            address = f"{exclusion.resource_type}.{name}"
            excluded.append({"address": address, "reason": exclusion.reason})
    text = repr(document)
    for item in excluded:
        if f"{item['address']}." in text or f"'{item['address']}'" in text:
            raise LakewardError(
                f"{item['address']} is excluded from the rehearsal but other resources refer to it",
                field="EXCLUSIONS",
                fix="exclude the resources that refer to it as well, or drop the exclusion",
            )
    return excluded
