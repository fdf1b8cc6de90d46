"""Finding terraform and a provider mirror, and reading terraform's machine-readable output."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from lakeward.rehearsal import processes
from lakeward.rehearsal.run import RehearsalOptions, rehearse
from lakeward.rehearsal.terraform import (
    EMULATOR_RACES,
    Terraform,
    TerraformFailed,
    cli_config,
    find_mirror,
    find_terraform,
    in_flight,
    mirror_versions,
    planned_changes,
)


def _mirror(root: Path, *versions: str, packed: str | None = None) -> Path:
    folder = root / "registry.terraform.io" / "hashicorp" / "aws"
    for version in versions:
        (folder / version / "linux_amd64").mkdir(parents=True)
    if packed:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"terraform-provider-aws_{packed}_linux_amd64.zip").write_bytes(b"")
    return root


def test_mirror_versions_in_both_layouts_newest_last(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path, "5.9.0", "5.100.0", packed="5.31.0")
    assert mirror_versions(mirror) == ["5.9.0", "5.31.0", "5.100.0"]
    assert find_mirror(mirror) == (mirror, "5.100.0")


def test_a_missing_mirror_says_what_is_missing_and_how_to_provide_it(tmp_path: Path) -> None:
    with pytest.raises(LakewardError) as caught:
        find_mirror(tmp_path)
    assert caught.value.field == "--plugin-mirror"
    assert "registry.terraform.io/hashicorp/aws" in str(caught.value)
    assert "terraform providers mirror" in (caught.value.fix or "")


def test_missing_terraform_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LakewardError, match="terraform is not installed") as caught:
        find_terraform()
    assert "--terraform" in (caught.value.fix or "")
    with pytest.raises(LakewardError, match="not an executable"):
        find_terraform(tmp_path / "terraform")


def test_rehearse_fails_before_starting_anything_without_terraform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LakewardError, match="terraform"):
        rehearse(RehearsalOptions())
    assert not processes._live


def test_cli_config_installs_from_the_mirror_only(tmp_path: Path) -> None:
    text = cli_config(tmp_path)
    assert f'path    = "{tmp_path}"' in text
    assert 'direct {\n    exclude = ["registry.terraform.io/*/*"]' in text


def _hook(kind: str, address: str) -> dict:
    return {"type": kind, "hook": {"resource": {"addr": address}}}


def test_plan_changes_and_in_flight_resources_come_from_the_json_stream() -> None:
    events = [
        {"type": "version"},
        {"type": "planned_change", "change": {"resource": {"addr": "aws_kms_key.k"}, "action": "update"}},
        {"type": "resource_drift", "change": {"resource": {"addr": "aws_vpc.v"}, "action": "update"}},
        {"type": "outputs", "outputs": {"vpc_id": {"action": "noop"}, "arn": {"action": "create"}}},
    ]
    assert planned_changes(events) == [
        {"address": "aws_kms_key.k", "action": "update"},
        {"address": "output.arn", "action": "create"},
    ]
    applying = [_hook("apply_start", "a.x"), _hook("apply_start", "b.y"), _hook("apply_complete", "a.x")]
    assert in_flight(applying) == ["b.y"]


def _fake_terraform(tmp_path: Path, first_apply_error: str) -> tuple[Terraform, Path]:
    """A terraform stand-in whose first `apply` fails with `first_apply_error` and later ones succeed."""
    calls = tmp_path / "calls.log"
    script = tmp_path / "terraform"
    script.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> {calls}\n'
        f'if [ "$1" = apply ] && [ "$(grep -c ^apply {calls})" = 1 ]; then\n'
        f'  echo \'{{"type":"diagnostic","diagnostic":{{"severity":"error",'
        f'"summary":"{first_apply_error}"}}}}\'\n'
        "  exit 1\nfi\n"
    )
    script.chmod(0o755)
    (tmp_path / "work").mkdir()
    return Terraform(script, tmp_path / "work", tmp_path, {}), calls


def test_apply_retries_once_after_a_known_emulator_race(tmp_path: Path) -> None:
    runner, calls = _fake_terraform(tmp_path, f"creating rule: {EMULATOR_RACES[0]}")
    assert runner.apply("plan.tfplan") == EMULATOR_RACES[0]
    applies = [line for line in calls.read_text().splitlines() if line.startswith("apply")]
    assert len(applies) == 2 and applies[0].endswith("plan.tfplan") and not applies[1].endswith("plan.tfplan")


def test_apply_does_not_retry_other_failures(tmp_path: Path) -> None:
    runner, calls = _fake_terraform(tmp_path, "AccessDenied: not allowed")
    with pytest.raises(TerraformFailed, match="AccessDenied"):
        runner.apply("plan.tfplan")
    assert calls.read_text().count("apply") == 1
