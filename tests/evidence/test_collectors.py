"""Each collector on small inputs: what it collects, and `not evaluated` when its source is absent."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from lakeward.errors import LakewardError
from lakeward.evidence.collectors.lineage import collect_lineage
from lakeward.evidence.collectors.mlflow_registry import collect_mlflow
from lakeward.evidence.collectors.provenance import collect_provenance
from lakeward.evidence.collectors.results import collect_results
from lakeward.evidence.collectors.scan import collect_scan
from lakeward.evidence.collectors.specs import collect_environment, collect_tenants
from lakeward.evidence.collectors.stacks import access_matrix, collect_access_matrix
from lakeward.evidence.collectors.waivers import collect_waivers
from lakeward.evidence.items import export_time
from policies import contract
from tests.evidence import sources as src
from tests.footprint import Synthesized

NOW = src.NOW


def test_access_matrix_lists_every_grant_with_readable_names(dev: Synthesized, dev_env) -> None:
    rows = access_matrix(contract.read_stacks(dev.out))
    granted = sum(
        len(grant["privileges"])
        for _, kind, _, body in dev.all_resources()
        if kind == "databricks_grants"
        for grant in body["grant"]
    )
    assert sum(row["resource"].startswith("databricks_grants.") for row in rows) == granted
    assert not [row for row in rows if "${" in row["principal"] + row["securable"]]
    readers = {(r["securable"], r["privilege"]) for r in rows if r["principal"] == dev_env.groups.readers}
    assert (f"{dev_env.catalog.name}.curated", "SELECT") in readers
    assert not any(privilege in ("MODIFY", "ALL_PRIVILEGES") for _, privilege in readers)
    assert {"secret_scope", "serving_endpoint", "cluster_policy"} <= {r["securable_type"] for r in rows}
    item = collect_access_matrix(dev.out, NOW)
    assert item.status == "collected" and item.summary["rows"] == len(rows)
    assert item.files["access/access-matrix.csv"].decode().splitlines()[0] == (
        "principal,securable_type,securable,privilege,stack,resource"
    )
    assert collect_access_matrix(None, NOW).status == "not evaluated"


def test_scan_prefers_json_and_falls_back_to_sarif(tmp_path: Path) -> None:
    report = src.scan_report()
    (tmp_path / "results.json").write_text(json.dumps(report))
    (tmp_path / "results.sarif").write_text(json.dumps(src.sarif_from(report)))
    item = collect_scan(tmp_path, NOW)
    assert item.status == "collected"  # LKW_DBX_057 failed, but LOW is below the scan's threshold
    assert item.summary["findings"] == {"failed": 1, "passed": len(report["findings"]) - 2, "waived": 1}
    assert "source declares no time" in item.note
    (tmp_path / "results.json").write_text(json.dumps({**report, "exit_code": 1, "blocking": 1}))
    assert collect_scan(tmp_path, NOW).status == "fail"
    (tmp_path / "results.json").unlink()
    sarif_item = collect_scan(tmp_path, NOW)
    assert sarif_item.status == "fail"  # the SARIF marks the unwaived finding as an error
    sarif_only = json.loads(sarif_item.files["scan/findings.json"])
    by_check = {f["check_id"]: f["status"] for f in sarif_only}
    assert by_check["LKW_DBX_057"] == "failed" and by_check["CKV_AWS_144"] == "waived"
    assert by_check["LKW_DBX_040"] == "passed"
    assert collect_scan(tmp_path / "absent", NOW).status == "not evaluated"


def test_results_classify_junit_rehearsal_and_mark_failures_and_stale(tmp_path: Path) -> None:
    (tmp_path / "unit.xml").write_text(
        src.junit(
            [("tests.a", "test_x", "passed"), ("tests.a", "test_y", "failed")], NOW - dt.timedelta(hours=2)
        )
    )
    (tmp_path / "security.xml").write_text(
        src.junit([("security_tests.t", "test_z", "passed")], NOW - dt.timedelta(days=8), "security")
    )
    (tmp_path / "rehearsal.json").write_text(json.dumps(src.rehearsal(ok=False)))
    report = {
        "created": src.EPOCH - 3600,
        "summary": {"passed": 2, "total": 2},
        "tests": [
            {"nodeid": "security_tests/test_iam.py::test_no_wildcards", "outcome": "passed"},
            {"nodeid": "security_tests/test_iam.py::test_scoped", "outcome": "passed"},
        ],
    }
    (tmp_path / "report.json").write_text(json.dumps(report))
    (tmp_path / "results.xml").write_text(
        '<testsuites name="lakeward scan"><testsuite name="s"/></testsuites>'
    )
    items = {item.id: item for item in collect_results(tmp_path, NOW)}
    assert "tests:results" not in items  # the scan's JUnit report is the scan, not a test run
    unit, security, rehearsal = (
        items["tests:unit"],
        items["security-tests:security"],
        items["rehearsal:rehearsal"],
    )
    assert unit.status == "fail" and unit.summary == {
        "tests": 2,
        "passed": 1,
        "failed": 1,
        "error": 0,
        "skipped": 0,
    }
    assert unit.collected_at == "2026-11-26T06:00:00Z" and unit.expires_at == "2026-12-03T06:00:00Z"
    assert security.status == "stale"  # 8 days old, security tests stay current for 7
    assert rehearsal.status == "fail" and rehearsal.summary["checks_passed"] == 0
    pytest_json = items["security-tests:report"]
    assert pytest_json.status == "collected" and pytest_json.summary["passed"] == 2
    assert pytest_json.collected_at == "2026-11-26T07:00:00Z"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert {i.kind: i.status for i in collect_results(empty, NOW)} == {
        "tests": "not evaluated",
        "security-tests": "not evaluated",
        "rehearsal": "not evaluated",
    }


def test_waivers_report_expiry_and_refuse_malformed_entries(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(yaml.safe_dump(src.waivers(expired=True)))
    item = collect_waivers(path, NOW)
    statuses = {w["ticket"]: w["status"] for w in json.loads(item.files["policies/waivers.json"])}
    assert statuses == {"SEC-103": "active", "FIN-12": "expired"}
    assert item.status == "fail" and "expired" in item.note
    path.write_text(yaml.safe_dump(src.waivers(expired=False)))
    assert {w["status"] for w in json.loads(collect_waivers(path, NOW).files["policies/waivers.json"])} == {
        "active",
        "expiring",
    }
    path.write_text(yaml.safe_dump({"waivers": [{"check": "CKV_AWS_1", "resource": "a.b"}]}))
    with pytest.raises(LakewardError) as error:
        collect_waivers(path, NOW)
    assert error.value.field == "waivers[0]" and "owner" in error.value.message
    assert collect_waivers(tmp_path / "none.yaml", NOW).status == "not evaluated"


def test_lineage_graph_from_openlineage_events(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(src.lineage_events()))
    item = collect_lineage(path, NOW)
    graph = json.loads(item.files["lineage/graph.json"])
    assert item.summary == {"events": 4, "jobs": 4, "datasets": 5, "edges": 9, "failed_runs": 0}
    assert {"from": "llm_dev/chunks.passages", "to": "lakeward-dev/embed"} in graph["edges"]
    assert item.collected_at == "2026-11-25T10:04:00Z"
    path.write_text(json.dumps([{"eventTime": "2026-11-25T10:00:00Z", "run": {}}]))
    with pytest.raises(LakewardError) as error:
        collect_lineage(path, NOW)
    assert error.value.field == "job"
    assert collect_lineage(tmp_path / "absent", NOW).status == "not evaluated"


def test_specs_environment_and_tenants(tmp_path: Path, dev_env) -> None:
    from infra.config import ENVIRONMENTS_DIR

    env = collect_environment("dev", ENVIRONMENTS_DIR, NOW)
    assert json.loads(env.files["specs/environment-dev.json"])["catalog"]["name"] == dev_env.catalog.name
    assert len(env.summary["source_sha256"]) == 64
    for path in sorted(src.REPO_TENANTS.glob("*.yaml")):
        shutil.copy(path, tmp_path)
    tenants = collect_tenants(tmp_path, ENVIRONMENTS_DIR, NOW)
    names = sorted(p.stem for p in src.REPO_TENANTS.glob("*.yaml"))
    assert tenants.summary["tenants"] == len(names) and tenants.summary["names"] == names
    spec = json.loads(tenants.files[f"specs/tenants/{names[0]}.json"])
    assert spec["apiVersion"] == "lakeward/v1" and spec["metadata"]["name"] == names[0]
    assert collect_tenants(tmp_path / "none", ENVIRONMENTS_DIR, NOW).status == "not evaluated"
    (tmp_path / "broken.yaml").write_text("- not a mapping\n")
    with pytest.raises(LakewardError) as error:
        collect_tenants(tmp_path, ENVIRONMENTS_DIR, NOW)
    assert error.value.source == str(tmp_path / "broken.yaml")


def test_mlflow_models_prompts_and_evaluations(mlflow_uri: str) -> None:
    items = {item.kind: item for item in collect_mlflow(mlflow_uri, NOW)}
    models = json.loads(items["models"].files["mlflow/models.json"])
    assert models[0]["name"] == "rag_answerer" and models[0]["aliases"] == {"champion": "1"}
    assert models[0]["versions"][0]["status"] == "READY"
    prompts = json.loads(items["prompts"].files["mlflow/prompts.json"])
    assert (
        prompts[0]["aliases"] == {"production": "1"}
        and "{{question}}" in prompts[0]["versions"][0]["template"]
    )
    evaluations = json.loads(items["evaluations"].files["mlflow/evaluations.json"])
    assert evaluations[0]["metrics"] == {"faithfulness": 0.91, "ndcg_at_10": 0.67, "recall_at_10": 0.82}
    assert all(item.status == "collected" for item in items.values())
    assert {i.status for i in collect_mlflow(None, NOW)} == {"not evaluated"}


def test_provenance_records_commit_and_tools(tmp_path: Path) -> None:
    from lakeward.evidence.bundle import repo_root

    record = json.loads(collect_provenance(repo_root(), NOW).files["provenance.json"])
    assert len(record["git"]["commit"]) == 40 and record["tools"]["cryptography"] == "50.0.2"
    assert collect_provenance(tmp_path, NOW).note == "not a git checkout: no commit recorded"


def test_source_date_epoch_drives_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(src.EPOCH))
    assert export_time() == NOW
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(LakewardError) as error:
        export_time()
    assert error.value.field == "SOURCE_DATE_EPOCH"
