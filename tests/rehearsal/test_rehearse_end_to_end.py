"""The rehearsal for real: terraform with the AWS provider from the mirror, moto's server as the AWS API.

One full run of the dev foundation must pass every step and check; a planted misconfiguration, applied
through the same path, must fail verification naming the right check; a failing apply must still be
destroyed. These need terraform and the provider mirror, which CI machines have: they run, never skip.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lakeward.rehearsal import processes
from lakeward.rehearsal.run import STEP_NAMES, RehearsalOptions, rehearse, synthesize_foundation

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def foundation(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return synthesize_foundation("dev", None, Path(tmp_path_factory.mktemp("synth")) / "out")


def test_the_dev_foundation_deploys_verifies_and_destroys_cleanly() -> None:
    result = rehearse(RehearsalOptions(env="dev", keep=True))  # the folder stays only if this fails
    payload = result.as_dict()
    failed = [step for step in payload["steps"] if not step["ok"]] + [
        c for c in payload["checks"] if not c["ok"]
    ]
    assert payload["ok"] is True, (payload["workdir"], failed)
    shutil.rmtree(payload["workdir"])
    assert [step["name"] for step in payload["steps"]] == list(STEP_NAMES)
    assert payload["drift_changes"] == []
    assert len(payload["checks"]) >= 8 and {c["name"] for c in payload["checks"]} >= {
        "public_access_blocked",
        "bucket_encryption_kms",
        "bucket_versioning",
        "bucket_tls_only",
        "flow_logs_enabled",
        "privatelink_endpoints",
        "no_open_ingress",
        "cross_account_external_id",
        "kms_key_rotation",
    }
    assert len(payload["resources"]) >= 60 and payload["left_after_destroy"] == []
    assert payload["excluded"] == []
    assert payload["providers"] == {"synthesized": "6.69.1", "rehearsed": "5.100.0"}
    assert all(isinstance(step["seconds"], float) and step["seconds"] >= 0 for step in payload["steps"])
    json.dumps(payload)  # one JSON object for --json
    assert not processes._live


def _narrow(stack: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """Only the resource types in `keep`, minus whatever refers to a dropped resource."""
    narrowed = json.loads(json.dumps(stack))
    narrowed.pop("output", None)
    resources = narrowed["resource"]
    for kind in set(resources) - keep:
        del resources[kind]
    while True:
        present = {f"{kind}.{name}" for kind, items in resources.items() for name in items}
        dangling = [
            (kind, name)
            for kind, items in resources.items()
            for name, body in items.items()
            if any(
                ref not in present
                for ref in re.findall(r"\b(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)", json.dumps(body))
            )
        ]
        if not dangling:
            return narrowed
        for kind, name in dangling:
            del resources[kind][name]


def test_a_bucket_without_its_public_access_block_fails_verification(foundation: dict[str, Any]) -> None:
    # The buckets and keys with their guards (and the role the storage key's policy names): enough for
    # the storage checks, and quick to apply.
    storage = {
        "aws_iam_role",
        "aws_kms_key",
        "aws_s3_bucket",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_logging",
    }
    storage |= {"aws_s3_bucket_public_access_block", "aws_s3_bucket_server_side_encryption_configuration"}
    planted = _narrow(foundation, storage)
    blocks = planted["resource"]["aws_s3_bucket_public_access_block"]
    (removed,) = [name for name in blocks if name.startswith("uc-bucket")]
    del blocks[removed]
    for policy in planted["resource"]["aws_s3_bucket_policy"].values():
        policy.pop("depends_on", None)
    uc_bucket = next(
        b["bucket"] for n, b in planted["resource"]["aws_s3_bucket"].items() if n.startswith("uc-")
    )

    result = rehearse(RehearsalOptions(env="dev"), stack=planted)

    steps = {step.name: step for step in result.steps}
    assert steps["apply"].ok and steps["destroy"].ok and not steps["verify"].ok
    assert "public_access_blocked" in steps["verify"].detail
    blocked = result.check("public_access_blocked")
    assert (
        not blocked.ok
        and blocked.detail == f"{uc_bucket}: no public access block (NoSuchPublicAccessBlockConfiguration)"
    )
    for name in ("bucket_versioning", "bucket_encryption_kms", "bucket_tls_only", "kms_key_rotation"):
        assert result.check(name).ok, result.check(name)
    assert not result.ok and result.left_after_destroy == []


def test_a_failing_apply_is_still_destroyed() -> None:
    stack = {
        "provider": {"aws": [{"region": "us-east-1"}]},
        "resource": {
            "aws_vpc": {"vpc": {"cidr_block": "10.0.0.0/16"}},
            # Valid to terraform, refused by the API: the range lies outside the VPC's.
            "aws_subnet": {"outside": {"vpc_id": "${aws_vpc.vpc.id}", "cidr_block": "10.1.0.0/24"}},
        },
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "6.69.1"}}},
    }
    result = rehearse(RehearsalOptions(env="dev"), stack=stack)
    steps = {step.name: step for step in result.steps}
    assert not steps["apply"].ok and "aws_subnet.outside" in steps["apply"].detail
    assert list(steps) == ["emulator", "synth", "init", "plan", "apply", "destroy"]
    assert result.resources == ["aws_vpc.vpc"]
    assert steps["destroy"].ok and result.left_after_destroy == []
    assert not result.ok and not processes._live


def _descendants(pid: int) -> dict[int, str]:
    found, frontier = {}, [pid]
    while frontier:
        for children in Path(f"/proc/{frontier.pop()}/task").glob("*/children"):
            try:
                pids = [int(child) for child in children.read_text().split()]
            except OSError:
                continue
            for child in pids:
                try:
                    found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                frontier.append(child)
    return found


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def test_ctrl_c_stops_the_emulator_and_every_child(tmp_path: Path) -> None:
    lakeward = str(Path(sys.executable).with_name("lakeward"))
    cli = subprocess.Popen([lakeward, "rehearse", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not any(" plan " in cmd for cmd in seen.values()):
        seen |= _descendants(cli.pid)
        time.sleep(0.2)
    assert any("moto_fixes" in cmd for cmd in seen.values()), seen
    assert any("terraform" in cmd for cmd in seen.values()), seen
    cli.send_signal(signal.SIGINT)
    _, stderr = cli.communicate(timeout=60)
    assert cli.returncode == 130, stderr
    assert b"interrupted" in stderr
    time.sleep(0.5)
    assert [cmd for pid, cmd in seen.items() if not _gone(pid)] == []
