"""`lakeward synth`: the standard layout, the summary, and nothing half-written on failure."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from lakeward.synth import summarize, synthesize
from lakeward.wheel import project_wheel
from policies import contract
from stacks.names import (
    ACCOUNT,
    FOUNDATION,
    METASTORE,
    RETRIEVAL,
    SERVING,
    WORKSPACE,
    stack_id,
    tenant_stack_id,
)
from stacks.stages import STAGES
from tests.cli import run_cli


def test_cli_synth_writes_standard_layout_and_json_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("synth", "--env", "dev", "--out", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    names = [stack["name"] for stack in payload["stacks"]]
    assert names == [
        stack_id("dev", ACCOUNT),
        stack_id("dev", FOUNDATION),
        stack_id("dev", METASTORE),
        stack_id("dev", RETRIEVAL),
        stack_id("dev", SERVING),
        tenant_stack_id("dev", "claims_analytics"),
        tenant_stack_id("dev", "support_insights"),
        stack_id("dev", WORKSPACE),
    ]
    for stack in payload["stacks"]:
        document = json.loads(Path(stack["path"]).read_text())
        assert stack["resources"] == sum(len(items) for items in document["resource"].values())
    assert payload["resources"] == sum(stack["resources"] for stack in payload["stacks"])
    assert (out / "manifest.json").exists()
    assert not list(tmp_path.glob(".out.*")), "no staging folder is left behind"
    stages = {stage["name"]: stage for stage in payload["stages"]}
    assert list(stages) == [stage.name for stage in STAGES]
    assert stages["workspace"] == {
        "name": "workspace",
        "kind": "stack",
        "stacks": [stack_id("dev", WORKSPACE)],
        "needs": ["foundation", "account"],
    }
    assert stages["bootstrap"]["kind"] == "step" and stages["bootstrap"]["stacks"] == []
    assert stages["tenants"]["stacks"] == [n for n in names if n.startswith(tenant_stack_id("dev", ""))]
    assert stages["retrieval"]["stacks"] == [stack_id("dev", RETRIEVAL)]
    order = [stage.name for stage in STAGES]
    ordered = ("bootstrap", "tenants", "retrieval", "serving")
    assert [order.index(name) for name in ordered] == sorted(order.index(name) for name in ordered)
    # Without an injected artifact the workspace uploads this checkout's wheel, named by its digest.
    wheel = project_wheel()
    workspace = contract.read_document(contract.stack_path(out, stack_id("dev", WORKSPACE)))
    [upload] = [
        body
        for body in contract.resources_of(workspace, "databricks_file").values()
        if body["path"].endswith(".whl")
    ]
    assert upload["path"].endswith(f"/{wheel.sha256}/{wheel.filename}")


def test_resynth_replaces_previous_output(tmp_path: Path, dev: object) -> None:
    out = tmp_path / "out"
    synthesize("dev", out, backend="local")
    stale = contract.stack_path(out, "lakeward-dev-retired")
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    result = synthesize("dev", out, backend="local")
    assert not stale.exists()
    assert [s.name for s in result.stacks] == [s.name for s in summarize(out)]
    backend = contract.read_document(contract.stack_path(out, stack_id("dev", FOUNDATION)))
    assert "local" in backend["terraform"]["backend"]


def test_bad_environment_writes_nothing(tmp_path: Path) -> None:
    envs = tmp_path / "environments"
    envs.mkdir()
    (envs / "dev.yaml").write_text(
        (Path(__file__).resolve().parent.parent / "environments" / "dev.yaml")
        .read_text()
        .replace("vpc_cidr: 10.20.0.0/16", "vpc_cidr: 10.20.0.0/12")
    )
    out = tmp_path / "out"
    with pytest.raises(LakewardError) as caught:
        synthesize("dev", out, environments_dir=envs)
    assert caught.value.field == "network.vpc_cidr"
    assert not out.exists()


def test_refuses_to_replace_a_folder_that_is_not_synth_output(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    result = run_cli("synth", "--env", "dev", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "--out" in result.stderr and "not a synth output" in result.stderr
    assert precious.read_text() == "keep me"


def test_unknown_backend_and_environment_are_refused(tmp_path: Path) -> None:
    with pytest.raises(LakewardError, match="unknown backend"):
        synthesize("dev", tmp_path / "x", backend="gcs")
    result = run_cli("synth", "--env", "staging", "--out", str(tmp_path / "y"))
    assert result.exit_code == 2 and "unknown environment 'staging'" in result.stderr
    assert not (tmp_path / "y").exists()


def test_the_app_cdktf_json_names_synthesizes(tmp_path: Path) -> None:
    """`cdktn synth|deploy` runs the app command from cdktf.json with CDKTF_OUTDIR and LAKEWARD_ENV set."""
    import os
    import shlex

    repo = Path(__file__).resolve().parent.parent
    config = json.loads((repo / "cdktf.json").read_text())
    assert config["language"] == "python" and config["targetVersions"] == {"terraform": ">=1.10.0"}
    command = shlex.split(config["app"])
    assert command[1:] == ["-m", "stacks.app"]
    env = {**os.environ, "CDKTF_OUTDIR": str(tmp_path), "LAKEWARD_ENV": "prod"}
    result = subprocess.run([sys.executable, *command[1:]], cwd=repo, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert [s.name for s in summarize(tmp_path)] == [
        stack_id("prod", ACCOUNT),
        stack_id("prod", FOUNDATION),
        stack_id("prod", RETRIEVAL),
        stack_id("prod", SERVING),
        tenant_stack_id("prod", "claims_analytics"),
        tenant_stack_id("prod", "hr_assistant"),
        tenant_stack_id("prod", "support_insights"),
        stack_id("prod", WORKSPACE),
    ]


def test_the_human_summary_puts_many_tenant_stacks_on_one_row(tmp_path: Path) -> None:
    """Past `SUMMARY_STACKS` stacks the tenant stacks are counted on one row (`--json` lists each)."""
    from rich.console import Console

    from lakeward.commands import SUMMARY_STACKS, synth_table
    from lakeward.synth import StackSummary, SynthResult

    def summary(stack: str, resources: int) -> StackSummary:
        return StackSummary(stack, contract.stack_path(tmp_path, stack), resources, 1)

    platform = [summary(stack_id("dev", ACCOUNT), 7), summary(stack_id("dev", WORKSPACE), 5)]
    tenants = [summary(tenant_stack_id("dev", f"t{n:03}"), 2) for n in range(SUMMARY_STACKS)]

    def rendered(stacks: list[StackSummary]) -> str:
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(synth_table(SynthResult("dev", tmp_path, stacks, 0.5)))
        return console.export_text()

    few = rendered(platform + tenants[:3])
    assert tenant_stack_id("dev", "t002") in few and "stacks)" not in few
    many = rendered(platform[:1] + tenants + platform[1:])
    rows = [row for row in many.splitlines() if "lakeward-dev-" in row]
    assert [row.split()[1] for row in rows] == [
        stack_id("dev", ACCOUNT),
        tenant_stack_id("dev", "*"),
        stack_id("dev", WORKSPACE),
    ]
    assert f"({SUMMARY_STACKS} stacks)" in rows[1] and f" {2 * SUMMARY_STACKS} " in rows[1]
    assert f"{7 + 5 + 2 * SUMMARY_STACKS}" in many.splitlines()[-2]
