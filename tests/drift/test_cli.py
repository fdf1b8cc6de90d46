"""`lakeward drift` on the command line: exit codes CI can gate on, and clear errors for missing
credentials, refused credentials and an unreachable host (exit 2, no traceback)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from lakeward.wheel import project_wheel
from tests.cli import run_cli
from tests.drift.conftest import serving
from tests.fakes.databricks_api import FakeAccount
from tests.footprint import Synthesized


def test_without_credentials_it_names_them_and_exits_2() -> None:
    result = run_cli("drift", "--env", "dev", process=True, unset="DATABRICKS_")
    assert result.exit_code == 2
    assert "DATABRICKS_HOST" in result.stderr and "DATABRICKS_TOKEN" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreachable_host_is_bad_input(dev: Synthesized) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe closes
    host = f"http://127.0.0.1:{port}"
    environ = {"DATABRICKS_HOST": host, "DATABRICKS_TOKEN": "dapi-x"}  # pragma: allowlist secret
    result = run_cli("drift", "--env", "dev", "--input", str(dev.out), "--timeout", "2", env=environ)
    assert result.exit_code == 2, result.stdout[-800:]
    assert "cannot reach the workspace" in result.stderr and host in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_refused_token_is_bad_input(workspace: FakeAccount, dev: Synthesized) -> None:
    with serving(workspace) as environ:
        environ["DATABRICKS_TOKEN"] = "dapi-wrong"  # pragma: allowlist secret
        result = run_cli("drift", "--env", "dev", "--input", str(dev.out), env=environ)
    assert result.exit_code == 2
    assert "refused the credentials" in result.stderr and "DATABRICKS_TOKEN" in result.stderr


def deployed_with_the_project_wheel(workspace: FakeAccount, dev: Synthesized) -> None:
    """The fake was deployed from the stand-in wheel the footprint tests use; a synth from the command
    line uploads this checkout's wheel, so the jobs install that one."""
    stand_in = dev.one("workspace", "databricks_file", "wheel")[1]["path"].split("/")[-2]
    real = project_wheel().sha256
    for job in workspace.workspace.jobs:
        for task in job["settings"]["tasks"]:
            for library in task.get("libraries", []):
                if "whl" in library:
                    library["whl"] = library["whl"].replace(stand_in, real)


def test_the_report_is_written_and_gates_ci(workspace: FakeAccount, dev: Synthesized, tmp_path: Path) -> None:
    """Signed in through a profile of a Databricks configuration file; without --input the environment
    is synthesized first, as CI runs it."""
    workspace.workspace.workspace_conf["enableExportNotebook"] = "true"
    deployed_with_the_project_wheel(workspace, dev)
    report, config = tmp_path / "drift.json", tmp_path / "databrickscfg"
    with serving(workspace) as environ:
        config.write_text(
            f"[fake]\nhost = {environ['DATABRICKS_HOST']}\ntoken = {environ['DATABRICKS_TOKEN']}\n"
        )
        profile = {"DATABRICKS_CONFIG_FILE": str(config), "DATABRICKS_CONFIG_PROFILE": "fake"}
        result = run_cli("drift", "--env", "dev", "--out", str(report), "--json", env=profile)
    assert result.exit_code == 1
    printed, written = json.loads(result.stdout), json.loads(report.read_text())
    assert printed == written and written["kind"] == "lakeward-drift" and written["source"] == "env:dev"
    assert [(d["attribute"], d["checks"]) for d in written["drift"]] == [
        ("custom_config.enableExportNotebook", ["LKW_DBX_073"])
    ]
