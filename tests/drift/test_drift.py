"""`lakeward drift` against the fake workspace: a clean deploy, planted console edits reported with the
check that would have caught them in CI, paging, a permission error and an object deleted mid-read."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from lakeward.drift.commands import drift
from policies.registry import by_id
from stacks.names import ACCOUNT, SERVING, WORKSPACE, stack_id
from tests.drift.conftest import Run, serving
from tests.drift.deployed import deploy_account
from tests.fakes.databricks_api import FakeAccount
from tests.footprint import Synthesized

pytestmark = pytest.mark.slow

WORKSPACE_STACK = stack_id("dev", WORKSPACE)


def one(entries: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    found = [e for e in entries if all(e.get(k) == v for k, v in fields.items())]
    assert len(found) == 1, (fields, [(e["kind"], e["resource"], e["attribute"]) for e in entries])
    return found[0]


def policy(fake: FakeAccount, name: str) -> dict[str, Any]:
    return next(p for p in fake.workspace.cluster_policies if p["name"] == name)


def test_a_clean_deploy_has_no_drift_and_no_findings(
    dev: Synthesized, workspace: FakeAccount, run_drift: Run
) -> None:
    outcome = run_drift(workspace)
    assert outcome.exit_code == 0, outcome.data["drift"][:5]
    assert outcome.data["drift"] == [] and outcome.data["findings"] == []
    read = outcome.data["summary"]["read"]
    # Grants are read on catalogs and schemas, the securables drift compares.
    resources = dev.all_resources()
    declared = {
        "databricks_job": sum(1 for _, kind, _, _ in resources if kind == "databricks_job"),
        "databricks_grants": sum(
            1
            for _, kind, _, body in resources
            if kind == "databricks_grants" and ("catalog" in body or "schema" in body)
        ),
    }
    assert declared["databricks_job"] >= 3 and declared["databricks_grants"] >= 18
    assert {kind: read[kind] for kind in declared} == declared
    # One item a page: every list that pages was read to its last page.
    pages = [r for r in workspace.requests if r.path == "/api/2.2/jobs/list"]
    tokens = [None, *(str(n) for n in range(1, declared["databricks_job"]))]
    assert [r.query.get("page_token") for r in pages] == tokens
    grants = [r for r in workspace.requests if r.path.endswith("/permissions/catalog/llm_dev")]
    assert len(grants) == 4 and all(r.query.get("max_results") == "0" for r in grants)


def test_console_edits_are_drift_with_the_check_that_would_have_caught_them(
    workspace: FakeAccount, run_drift: Run
) -> None:
    ws = workspace.workspace
    # A widened cluster policy: any access mode, clusters that never terminate.
    jobs_policy = policy(workspace, "lakeward-dev-jobs")
    rules = json.loads(jobs_policy["definition"])
    rules["data_security_mode"] = {"type": "allowlist", "values": ["SINGLE_USER", "NONE"]}
    rules["autotermination_minutes"] = {"type": "range", "minValue": 0, "maxValue": 10000}
    jobs_policy["definition"] = json.dumps(rules)
    # An extra grant: every account user may modify the catalog.
    ws.grants["catalog/llm_dev"].append(
        {"principal": "account users", "privileges": ["MODIFY", "USE_CATALOG"]}
    )
    # Changed settings: downloads allowed again, workspace admins unrestricted.
    ws.workspace_conf["enableResultsDownloading"] = "true"
    ws.settings["restrict_workspace_admins"] = {"restrict_workspace_admins": {"status": "ALLOW_ALL"}}
    # An allow list opened to the internet, and one the code never declared.
    ws.ip_access_lists[0]["ip_addresses"] = ["203.0.113.0/24", "0.0.0.0/0"]
    ws.ip_access_lists.append(
        {
            "list_id": "l-2",
            "label": "vendor",
            "list_type": "ALLOW",
            "ip_addresses": ["1.0.0.0/1"],
            "enabled": True,
        }
    )

    outcome = run_drift(workspace)
    drift, findings = outcome.data["drift"], outcome.data["findings"]
    assert outcome.exit_code == 1

    widened = one(
        drift,
        resource="databricks_cluster_policy.compute_jobs-policy_3D4BA1D2",
        attribute="definition.data_security_mode",
    )
    assert widened["kind"] == "changed" and widened["stack"] == WORKSPACE_STACK
    assert widened["code"] == {"type": "fixed", "value": "SINGLE_USER"}
    assert widened["live"]["values"] == ["SINGLE_USER", "NONE"]
    assert {"LKW_DBX_010", "LKW_DBX_011"} <= set(widened["checks"])

    grant = one(drift, attribute="grant[account users]")
    assert (
        grant["kind"] == "added" and grant["resource"] == "databricks_grants.catalog_catalog-grants_CD39EC84"
    )
    assert grant["code"] is None and grant["live"]["privileges"] == ["MODIFY", "USE_CATALOG"]
    assert "LKW_DBX_041" in grant["checks"]

    download = one(drift, attribute="custom_config.enableResultsDownloading")
    assert (download["code"], download["live"], download["checks"]) == ("false", "true", ["LKW_DBX_073"])
    admins = one(drift, attribute="restrict_workspace_admins.status")
    assert admins["live"] == "ALLOW_ALL" and admins["checks"] == ["LKW_DBX_076"]

    opened = one(drift, attribute="ip_addresses")
    assert opened["code"] == ["203.0.113.0/24"] and "LKW_DBX_075" in opened["checks"]
    vendor = one(drift, kind="added", resource="databricks_ip_access_list.vendor")
    assert vendor["live"]["ip_addresses"] == ["1.0.0.0/1"] and vendor["checks"] == ["LKW_DBX_075"]

    # Each live finding carries the check's own ID and controls, as the CI scan reports them.
    policies = by_id()
    dsm = one(findings, check_id="LKW_DBX_011")
    assert dsm["resource"] == "databricks_cluster_policy.compute_jobs-policy_3D4BA1D2"
    assert dsm["controls"] == policies["LKW_DBX_011"].controls() and dsm["in_code"] == "passed"
    assert {f["check_id"] for f in findings} >= {"LKW_DBX_010", "LKW_DBX_041", "LKW_DBX_073", "LKW_DBX_076"}

    shown = Console(file=io.StringIO(), width=200)
    shown.print(outcome.view)
    text = shown.file.getvalue()
    assert "grant[account users]" in text and "LKW_DBX_041" in text and "drift or findings" in text


WAIVER = """
waivers:
  - check: LKW_DBX_060
    resource: databricks_job.adhoc
    stack: live-unmanaged
    owner: data-science
    reason: An exploratory job of the data science team that runs as its author until it is productized.
    ticket: DS-42
    expires: 2099-01-01
"""


def test_jobs_serving_and_deleted_objects(workspace: FakeAccount, run_drift: Run, tmp_path: Path) -> None:
    ws = workspace.workspace
    ingest = next(job for job in ws.jobs if job["settings"]["name"] == "lakeward-dev-ingest")
    ingest["settings"]["run_as"] = {"user_name": "someone@example.com"}
    index = next(job for job in ws.jobs if job["settings"]["name"] == "lakeward-dev-index")
    ws.gone.add(str(index["job_id"]))  # deleted between the list and the get
    ws.jobs.append({"job_id": 77, "settings": {"name": "adhoc", "run_as": {"user_name": "x@example.com"}}})
    rag = next(e for e in ws.serving_endpoints if e["name"] == "lakeward-rag")
    rag["ai_gateway"]["guardrails"]["output"]["pii"]["behavior"] = "NONE"

    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVER)
    outcome = run_drift(workspace, waivers=waivers)
    drift, data = outcome.data["drift"], outcome.data
    assert outcome.exit_code == 1
    run_as = one(
        drift, resource="databricks_job.jobs_job-ingest_F1C6E4C3", attribute="run_as.service_principal_name"
    )
    assert run_as["code"] == "app-lakeward-dev-jobs" and run_as["live"] is None
    assert "LKW_DBX_060" in run_as["checks"]
    removed = one(drift, resource="databricks_job.jobs_job-index_83E19002")
    assert (removed["kind"], removed["attribute"], removed["code"]) == ("removed", "", "lakeward-dev-index")
    assert data["vanished"] == [f"job {index['job_id']}"]
    guard = one(drift, attribute="ai_gateway.guardrails.output.pii.behavior")
    assert guard["stack"] == stack_id("dev", SERVING) and guard["checks"] == ["LKW_DBX_052"]
    # Someone's own job is not drift, but it is judged like any other, and waived the same way.
    assert data["unmanaged"] == [{"type": "databricks_job", "name": "adhoc"}]
    adhoc = one(data["findings"], check_id="LKW_DBX_060", resource="databricks_job.adhoc")
    assert adhoc["stack"] == "" and adhoc["in_code"] is None
    assert adhoc["status"] == "waived" and adhoc["waiver"]["ticket"] == "DS-42"


def test_a_permission_error_leaves_its_objects_unread_not_removed(
    workspace: FakeAccount, run_drift: Run
) -> None:
    workspace.denied = {"/api/2.0/ip-access-lists", "/permissions/schema/llm_dev.raw"}
    outcome = run_drift(workspace)
    data = outcome.data
    assert outcome.exit_code == 2 and data["drift"] == []
    unread = {entry["what"]: entry["reason"] for entry in data["unreadable"]}
    assert set(unread) == {"IP access lists", "grants on schema llm_dev.raw"}
    assert all(reason.startswith("permission denied") for reason in unread.values())


def test_the_account_is_read_with_account_host(
    workspace: FakeAccount, run_drift: Run, dev: Synthesized
) -> None:
    deploy_account(dev.out, workspace)
    pas = workspace.private_access_settings[0]
    pas["allowed_vpc_endpoint_ids"] = []  # public access stays on, and PrivateLink admits any endpoint
    audit = next(c for c in workspace.log_delivery if c["log_type"] == "AUDIT_LOGS")
    audit["status"] = "DISABLED"
    with serving(workspace) as environ:
        outcome = drift("dev", dev.out, None, environ, timeout=5, account_host=environ["DATABRICKS_HOST"])
    data = outcome.data
    read = data["summary"]["read"]
    assert read["databricks_mws_workspaces"] == 1 and read["databricks_mws_log_delivery"] == 2
    opened = one(data["drift"], attribute="allowed_vpc_endpoint_ids")
    assert opened["stack"] == stack_id("dev", ACCOUNT) and opened["checks"] == ["LKW_DBX_001"]
    stopped = one(findings := data["findings"], check_id="LKW_DBX_007")
    assert (
        stopped["resource"] == "databricks_mws_log_delivery.audit-logs_691B2A5F"
        and stopped["in_code"] == "passed"
    )
    assert [d["attribute"] for d in data["drift"]] == ["allowed_vpc_endpoint_ids"], data["drift"]
    # Not drift (the code leaves the status to its default) but caught by the pack, twice: the log
    # delivery itself, and the workspace that no longer has enabled audit log delivery.
    assert {f["check_id"] for f in findings} == {"LKW_DBX_001", "LKW_DBX_007", "LKW_DBX_008"}
