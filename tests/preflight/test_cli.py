"""`lakeward preflight` end to end: moto's server for AWS, the fake API for Databricks."""

from __future__ import annotations

import json

import pytest

from tests.cli import run_cli
from tests.fakes.databricks_api import FakeAccount
from tests.preflight.test_aws import green

pytestmark = pytest.mark.usefixtures("aws_env")


def invoke(
    monkeypatch: pytest.MonkeyPatch, planted: dict[str, str], environ: dict[str, str], *args: str
) -> tuple[int, str]:
    env = green(planted)
    monkeypatch.setattr("lakeward.preflight.run.load_environment", lambda name: env)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = run_cli("preflight", "--env", "dev", *args)
    return result.exit_code, result.stdout


def test_json_all_clear(
    monkeypatch: pytest.MonkeyPatch,
    planted: dict[str, str],
    databricks_environ: tuple[FakeAccount, dict[str, str]],
) -> None:
    code, out = invoke(monkeypatch, planted, databricks_environ[1], "--json")
    report = json.loads(out)
    assert code == 0 and report["blockers"] == 0 and report["environment"] == "dev"
    statuses = {check["id"]: check["status"] for check in report["checks"]}
    assert statuses["aws.gpu_quota"] == "not evaluated" and statuses["databricks.account_admin"] == "ok"
    assert set(report["checks"][0]) == {"id", "title", "status", "found", "fix", "source"}


def test_blocker_exits_1_and_shows_the_fix(
    monkeypatch: pytest.MonkeyPatch,
    planted: dict[str, str],
    databricks_environ: tuple[FakeAccount, dict[str, str]],
) -> None:
    fake, environ = databricks_environ
    fake.service_principals[1]["roles"] = []
    code, out = invoke(monkeypatch, planted, environ)
    assert code == 1
    assert "BLOCKER" in out and "account admin role" in out and "blocked: 1 blocker(s)" in out


def test_missing_credentials_exit_2_without_traceback() -> None:
    result = run_cli("preflight", "--env", "dev", process=True, unset="DATABRICKS_")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "DATABRICKS_HOST" in result.stderr and "DATABRICKS_CLIENT_SECRET" in result.stderr
