"""The rehearsal aims a copy of the stack at the emulator and leaves the synthesized one untouched."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from lakeward.rehearsal.rehearsal_stack import Exclusion, rehearsal_stack


def _stack() -> dict:
    return {
        "provider": {
            "aws": [{"region": "us-east-1", "allowed_account_ids": ["111111111111"], "profile": "prod"}]
        },
        "resource": {
            "aws_s3_bucket": {"logs": {"bucket": "logs", "force_destroy": False}},
            "aws_kms_key": {"key": {"enable_key_rotation": True}},
            "aws_vpc": {"vpc": {"cidr_block": "10.0.0.0/16"}},
            "aws_cloudwatch_log_group": {"group": {"name": "g"}},
        },
        "data": {"aws_caller_identity": {"me": {}}, "aws_iam_policy_document": {"doc": {}}},
        "terraform": {
            "backend": {"s3": {"bucket": "state", "key": "k", "region": "us-east-1"}},
            "required_providers": {"aws": {"source": "hashicorp/aws", "version": "6.69.1"}},
        },
    }


def test_the_provider_gets_test_credentials_and_no_endpoint_or_profile_of_its_own(tmp_path: Path) -> None:
    stack = _stack()
    stack["provider"]["aws"][0]["endpoints"] = [{"s3": "https://s3.example.com"}]
    aimed = rehearsal_stack(stack, provider_version="5.100.0", state_path=tmp_path / "s")
    (provider,) = aimed.document["provider"]["aws"]
    assert "endpoints" not in provider  # AWS_ENDPOINT_URL of each terraform child aims every service
    assert (provider["access_key"], provider["secret_key"]) == ("testing", "testing")
    assert provider["skip_credentials_validation"] is True and provider["s3_use_path_style"] is True
    assert "profile" not in provider
    assert provider["allowed_account_ids"] == ["111111111111"]  # kept: moto answers as that account


def test_provider_version_backend_and_bucket_teardown(tmp_path: Path) -> None:
    aimed = rehearsal_stack(_stack(), provider_version="5.100.0", state_path=tmp_path / "s")
    terraform = aimed.document["terraform"]
    assert terraform["required_providers"]["aws"] == {"source": "hashicorp/aws", "version": "5.100.0"}
    assert terraform["backend"] == {"local": {"path": str(tmp_path / "s")}}
    assert (aimed.synthesized_provider, aimed.rehearsed_provider) == ("6.69.1", "5.100.0")
    assert aimed.document["resource"]["aws_s3_bucket"]["logs"]["force_destroy"] is True
    assert any("force_destroy" in note for note in aimed.adjustments)


def test_the_synthesized_stack_is_not_modified(tmp_path: Path) -> None:
    stack = _stack()
    before = copy.deepcopy(stack)
    rehearsal_stack(stack, provider_version="5.100.0", state_path=tmp_path / "s")
    assert json.dumps(stack, sort_keys=True) == json.dumps(before, sort_keys=True)


def test_stacks_with_other_providers_are_refused(tmp_path: Path) -> None:
    stack = _stack()
    stack["provider"]["databricks"] = [{"host": "https://accounts.cloud.databricks.com"}]
    with pytest.raises(LakewardError, match="AWS-only"):
        rehearsal_stack(stack, provider_version="5.100.0", state_path=tmp_path / "s")


def test_exclusions_are_listed_and_may_not_leave_dangling_references(tmp_path: Path) -> None:
    stack = _stack()
    excluded = (Exclusion("aws_cloudwatch_log_group", "not supported"),)
    aimed = rehearsal_stack(stack, provider_version="5.100.0", state_path=tmp_path / "s", exclusions=excluded)
    assert aimed.excluded == [{"address": "aws_cloudwatch_log_group.group", "reason": "not supported"}]
    assert "aws_cloudwatch_log_group" not in aimed.document["resource"]
    stack["resource"]["aws_kms_key"]["key"]["description"] = "${aws_cloudwatch_log_group.group.name}"
    with pytest.raises(LakewardError, match="refer to it"):
        rehearsal_stack(
            stack,
            provider_version="5.100.0",
            state_path=tmp_path / "s",
            exclusions=excluded,
        )
