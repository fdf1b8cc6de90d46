"""Aim a synthesized stack at the emulator: a copy with a rehearsal provider configuration, the AWS
provider version the mirror holds, and a local backend. The synthesized document is never modified.

The provider gets fixed test credentials; every terraform child runs with `AWS_ENDPOINT_URL` set to
the emulator (see `run._child_env`), which the provider applies to every AWS service, so no request
can reach a real AWS account. The provider's `endpoints` block would do the same per service, but
provider 5.100 spends about 3 s validating that block on every terraform command.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.rehearsal.emulator import EMULATOR_KEY_ID, EMULATOR_SECRET

TEST_CREDENTIALS = {"access_key": EMULATOR_KEY_ID, "secret_key": EMULATOR_SECRET}


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
    synthesized_provider: str | None
    rehearsed_provider: str
    excluded: list[dict[str, str]] = field(default_factory=list)
    adjustments: list[str] = field(default_factory=list)


def rehearsal_stack(
    synthesized: dict[str, Any],
    *,
    provider_version: str,
    state_path: Path,
    exclusions: tuple[Exclusion, ...] = EXCLUSIONS,
) -> RehearsalStack:
    """A copy of `synthesized` for the emulator, with the AWS provider pinned to `provider_version`."""
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
    for config in providers["aws"]:
        for key in (
            "profile",
            "shared_config_files",
            "shared_credentials_files",
            "assume_role",
            "token",
            "endpoints",
        ):
            config.pop(key, None)
        config.update(
            TEST_CREDENTIALS,
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
        "every AWS service on the emulator (AWS_ENDPOINT_URL of each terraform child), test credentials, "
        "local state",
    ]
    buckets = document.get("resource", {}).get("aws_s3_bucket", {})
    for bucket in buckets.values():
        bucket["force_destroy"] = True
    if buckets:
        adjustments.append(
            f"force_destroy on {len(buckets)} buckets (a terraform-only setting: destroy also removes the "
            "server access logs the emulator delivers into the log bucket)"
        )
    return RehearsalStack(document, synthesized_version, provider_version, excluded, adjustments)


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
