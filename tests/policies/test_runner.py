"""The pieces around checkov: the parser workaround, the pack-loaded guard, block layouts, `--env`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from policies import checkov_runner, contract
from policies.base import Resource
from policies.checks.cluster_policies import PolicyDataSecurityMode
from policies.registry import all_policies
from policies.scan import run_scan
from stacks.names import PLATFORM_KINDS, parse_stack_id, stack_id
from tests.footprint import Synthesized


def test_scannable_copy_drops_only_scalar_settings() -> None:
    document = {
        "terraform": {"required_version": ">= 1.10.0", "backend": {"s3": {"bucket": "b"}}},
        "resource": {"aws_s3_bucket": {"b_1": {"bucket": "b", "tags": {"Owner": "x"}}}},
        "data": {"aws_caller_identity": {"me": {}}},
    }
    copy = checkov_runner.scannable_copy(document)
    assert copy["terraform"] == {"backend": {"s3": {"bucket": "b"}}}
    assert copy["resource"] == document["resource"] and copy["data"] == document["data"]
    assert document["terraform"]["required_version"] == ">= 1.10.0", "the original is not modified"


def test_a_half_loaded_pack_or_an_unreadable_stack_is_an_error() -> None:
    expected = len(all_policies())
    checkov_runner._verify_pack(f"lakeward-pack: loaded {expected} checks\n", with_pack=True)
    for stderr in (
        f"lakeward-pack: loaded {expected - 1} checks\n",
        "",
        f"Cannot load external check 'lakeward_pack'\nlakeward-pack: loaded {expected} checks\n",
        f"Failed to parse template: {contract.stack_file('x')}\nlakeward-pack: loaded {expected} checks\n",
    ):
        with pytest.raises(LakewardError) as caught:
            checkov_runner._verify_pack(stderr, with_pack=True)
        assert caught.value.field == "scanner"


def test_missing_checkov_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LAKEWARD_CHECKOV", str(tmp_path / "nothing"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LakewardError, match="checkov is not installed") as caught:
        checkov_runner.checkov_executable()
    assert "make setup" in (caught.value.fix or "")


@pytest.mark.parametrize("layout", ["object", "list"])
def test_checks_read_blocks_written_as_objects_or_lists(layout: str) -> None:
    block = {"status": "RESTRICT_TOKENS_AND_JOB_RUN_AS"}
    resource = Resource("t", "n", {"restrict_workspace_admins": block if layout == "object" else [block]})
    assert resource.get("restrict_workspace_admins.status") == "RESTRICT_TOKENS_AND_JOB_RUN_AS"
    assert resource.blocks("restrict_workspace_admins") == [block]


def test_a_definition_that_is_not_literal_json_fails_closed() -> None:
    policy = PolicyDataSecurityMode()
    unreadable = Resource("databricks_cluster_policy", "p", {"definition": '${jsonencode({"a" = 1})}'})
    assert policy.evaluate(unreadable) == [
        "definition is not literal JSON (build it with json.dumps, not a reference or jsonencode)"
    ]
    pinned = json.dumps(
        {"data_security_mode": {"type": "allowlist", "values": ["USER_ISOLATION", "SINGLE_USER"]}}
    )
    assert policy.evaluate(Resource("databricks_cluster_policy", "p", {"definition": pinned})) == []


def test_scan_by_environment_synthesizes_and_scans_clean() -> None:
    report = run_scan(env="dev")
    assert report.source == "env:dev" and report.exit_code == 0
    stacks = {f.stack for f in report.findings}
    assert {stack_id("dev", kind) for kind in PLATFORM_KINDS} <= stacks
    assert all(parse_stack_id(stack).env == "dev" for stack in stacks)
    assert not report.with_status("failed") and report.unused_waivers == []


def test_the_driver_reports_what_the_checkov_command_does(
    synthesized: dict[str, Synthesized], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every scan runs through `policies/checkov_driver.py` (started ahead or not), which gives checkov's
    line-numbering loader the libyaml parser; on every stack of the dev footprint its findings, lines
    included, are those of the `checkov` command itself."""
    files = {stack: contract.stack_path(synthesized["dev"].out, stack) for stack in synthesized["dev"].stacks}
    with checkov_runner.warm_checkov() as warm:
        assert warm.available
        driven = checkov_runner.run_checkov(files, warm=warm)
    monkeypatch.setattr(checkov_runner, "_interpreter", lambda executable: None)  # no driver: the command
    command = checkov_runner.run_checkov(files)
    assert sorted(map(repr, driven)) == sorted(map(repr, command)) and command


def test_an_unused_warm_checkov_is_stopped() -> None:
    with checkov_runner.warm_checkov() as warm:
        assert warm.available
    assert not warm.available
