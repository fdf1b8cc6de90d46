"""moto's server with four fixes for defects of moto 5.2 (still present in 5.2.5) that the foundation
stack runs into. The rehearsal starts the server through this module: `python -m
lakeward.rehearsal.moto_fixes -H 127.0.0.1 -p PORT`. Each fix makes moto answer as AWS does; none makes
a check easier to pass. They are listed in every rehearsal's output and in docs/rehearsal.md.
"""

from __future__ import annotations

import inspect
import json
import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EmulatorFix:
    name: str
    defect: str


FIXES = (
    EmulatorFix(
        "s3_logging_target_policy",
        "PutBucketLogging fails with HTTP 500 when the target bucket's policy has a statement whose "
        'Principal is the string "*" (every TLS-only policy has one); the provider retries until timeout',
    ),
    EmulatorFix(
        "flow_log_s3_prefix",
        "CreateFlowLogs with an S3 destination that has a folder (arn:aws:s3:::bucket/prefix/) looks up a "
        "bucket named 'bucket/prefix/' and reports that it does not exist",
    ),
    EmulatorFix(
        "kms_rotation_period",
        "EnableKeyRotation ignores RotationPeriodInDays and GetKeyRotationStatus omits it, so every key "
        "with rotation_period_in_days shows a change on each plan",
    ),
    EmulatorFix(
        "security_group_rule_description",
        "security group rules that reference a group or a prefix list lose their Description, so every "
        "such aws_vpc_security_group_*_rule shows a change on each plan",
    ),
)


def _fix_s3_logging_target_policy() -> None:
    from moto.s3 import models

    def permitted(target_bucket: Any, target_prefix: str | None) -> bool:
        if not target_bucket.policy:
            return False
        arn = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}"
        allowed = {f"{arn}/{target_prefix or ''}*", f"{arn}/*", arn}
        for statement in json.loads(target_bucket.policy.decode())["Statement"]:
            principal = statement.get("Principal")
            services = principal.get("Service", []) if isinstance(principal, dict) else []
            actions = statement.get("Action", [])
            resources = statement.get("Resource", [])
            if (
                models.LOGGING_SERVICE_PRINCIPAL in (services if isinstance(services, list) else [services])
                and statement.get("Effect") == "Allow"
                and "s3:PutObject" in (actions if isinstance(actions, list) else [actions])
                and allowed & set(resources if isinstance(resources, list) else [resources])
            ):
                return True
        return False

    models.FakeBucket._log_permissions_enabled_policy = staticmethod(permitted)  # type: ignore[method-assign]


def _fix_flow_log_s3_prefix() -> None:
    from moto.ec2.models.flow_logs import FlowLogsBackend

    original = FlowLogsBackend.create_flow_logs
    signature = inspect.signature(original)

    def create_flow_logs(*args: Any, **kwargs: Any) -> Any:
        call = signature.bind(*args, **kwargs)
        destination = call.arguments.get("log_destination")
        if call.arguments.get("log_destination_type") != "s3" or "/" not in (destination or ""):
            return original(*args, **kwargs)
        call.arguments["log_destination"] = str(destination).split("/", 1)[0]  # the bucket's ARN
        flow_logs, unsuccessful = original(*call.args, **call.kwargs)
        for flow_log in flow_logs:
            flow_log.log_destination = str(destination)
        return flow_logs, unsuccessful

    FlowLogsBackend.create_flow_logs = create_flow_logs  # type: ignore[method-assign]


def _fix_kms_rotation_period() -> None:
    from moto.kms.responses import KmsResponse

    def enable_key_rotation(self: Any) -> str:
        key_id = self._get_param("KeyId")
        self._validate_cmk_id(key_id)
        self.kms_backend.enable_key_rotation(key_id)
        key = self.kms_backend.keys[self.kms_backend.get_key_id(key_id)]
        key.rotation_period_in_days = self._get_param("RotationPeriodInDays") or 365
        return json.dumps(None)

    def get_key_rotation_status(self: Any) -> str:
        key_id = self._get_param("KeyId")
        self._validate_cmk_id(key_id)
        key = self.kms_backend.keys[self.kms_backend.get_key_id(key_id)]
        status: dict[str, Any] = {"KeyRotationEnabled": key.key_rotation_status, "KeyId": key.id}
        if key.key_rotation_status:
            status["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", 365)
        return json.dumps(status)

    KmsResponse.enable_key_rotation = enable_key_rotation  # type: ignore[method-assign]
    KmsResponse.get_key_rotation_status = get_key_rotation_status  # type: ignore[method-assign]


def _fix_security_group_rule_description() -> None:
    from moto.ec2.models.security_groups import SecurityGroupRule

    original_init = SecurityGroupRule.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        prefix_list = kwargs.get("prefix_list_id", args[7] if len(args) > 7 else None) or {}
        self.referenced_description = self.source_group.get("Description") or prefix_list.get("Description")

    def description(self: Any) -> str | None:
        return self.ip_range.get("Description") or getattr(self, "referenced_description", None)

    SecurityGroupRule.__init__ = __init__  # type: ignore[method-assign]
    SecurityGroupRule.description = property(description)  # type: ignore[method-assign,assignment]


def apply_fixes() -> None:
    _fix_s3_logging_target_policy()
    _fix_flow_log_s3_prefix()
    _fix_kms_rotation_period()
    _fix_security_group_rule_description()


def main(argv: list[str]) -> None:
    from moto.server import main as moto_main

    apply_fixes()
    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
