"""The kill switch's immediate path: `lakeward rollout kill --now` replaces the endpoint's AI gateway
rate limits through the serving endpoints API (against the local fake answering from the documented
responses), keeps its other gateway settings, and records the switch in the release file so that the
next deploy renders the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from infra.config import load_environment
from lakeward.tenants.loader import load_tenants
from tests.cli import run_cli
from tests.fakes.databricks_api import TOKEN, FakeAccount, fake_databricks
from tests.test_release_render import admits

ENV = load_environment("dev")
GATEWAY = {
    "guardrails": {"input": {"pii": {"behavior": "BLOCK"}, "safety": True}},
    "inference_table_config": {"enabled": True, "catalog_name": "llm_dev", "schema_name": "evaluation"},
    "usage_tracking_config": {"enabled": True},
    "rate_limits": [
        {"key": "user", "calls": 30, "renewal_period": "minute"},
        {"key": "endpoint", "calls": 300, "renewal_period": "minute"},
    ],
}


def _endpoint(name: str) -> dict[str, Any]:
    return {"name": name, "state": {"ready": "READY"}, "ai_gateway": {**GATEWAY}}


def _kill(url: str, releases: Path, *args: str):
    credentials = {"DATABRICKS_TOKEN": TOKEN, "DATABRICKS_CONFIG_FILE": str(releases / "none.cfg")}
    return run_cli(
        "rollout", "kill", "--env", "dev", "--releases", releases, "--now", "--host", url, *args, "--json",
        env=credentials,
    )  # fmt: skip


def test_kill_now_admits_only_the_admins_and_keeps_the_gateway(tmp_path: Path) -> None:
    tenant = load_tenants()["claims_analytics"]
    tenant_endpoints = [f"claims_analytics-{e.name}" for e in tenant.spec.serving.endpoints]
    account = FakeAccount(
        account_id=ENV.databricks.account_id,
        serving_endpoints={name: _endpoint(name) for name in ["lakeward-rag", *tenant_endpoints]},
    )
    with fake_databricks(account) as url:
        platform = _kill(url, tmp_path)
        tenants = _kill(url, tmp_path, "--tenant", "claims_analytics")
    assert platform.exit_code == 0, platform.stderr
    assert tenants.exit_code == 0, tenants.stderr
    puts = {r.path.split("/")[-2]: r.body for r in account.requests if r.method == "PUT"}
    assert sorted(puts) == sorted(["lakeward-rag", *tenant_endpoints])
    admins = {"lakeward-rag": ENV.groups.admins} | dict.fromkeys(tenant_endpoints, tenant.spec.groups.admins)
    for name, body in puts.items():
        assert {
            key: body[key] for key in ("guardrails", "inference_table_config", "usage_tracking_config")
        } == {key: GATEWAY[key] for key in ("guardrails", "inference_table_config", "usage_tracking_config")}
        limits = body["rate_limits"]
        assert admits(limits, {admins[name]}), name
        assert not admits(limits, {ENV.groups.readers}) and not admits(limits, set()), name
    release = yaml.safe_load((tmp_path / "dev.yaml").read_text())
    assert release["endpoints"]["lakeward-rag"]["kill_switch"] is True
    assert release["tenants"]["claims_analytics"]["kill_switch"] is True


def test_kill_now_names_a_refusal(tmp_path: Path) -> None:
    """An endpoint the workspace does not have: exit 2 naming --now and the fix, no traceback."""
    with fake_databricks(FakeAccount(account_id=ENV.databricks.account_id)) as url:
        done = _kill(url, tmp_path)
    assert done.exit_code == 2 and "fix:" in done.stderr and "Traceback" not in done.stderr
