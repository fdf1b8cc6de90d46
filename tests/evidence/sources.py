"""Small evidence sources written the way their producers write them: scan JSON and SARIF, JUnit XML,
rehearsal JSON, waivers, OpenLineage events, tenant specs and an MLflow store."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from policies import contract
from policies.registry import all_policies, by_id
from stacks.names import FOUNDATION, WORKSPACE, stack_id

REPO_TENANTS = Path(__file__).resolve().parents[2] / "tenants"
EPOCH = 1795680000  # 2026-11-26T08:00:00Z, the SOURCE_DATE_EPOCH of the tests
NOW = dt.datetime.fromtimestamp(EPOCH, dt.UTC)

CHECKS = {
    "LKW_DBX_040": (
        "No ALL_PRIVILEGES or MANAGE for account users or users",
        "CRITICAL",
        ["SOC2:CC6.1", "SOC2:CC6.3", "ISO27001:A.5.15", "HIPAA:164.312(a)(1)"],
    ),
    "LKW_DBX_041": (
        "Broad groups get read-only privileges at most",
        "HIGH",
        ["SOC2:CC6.3", "ISO27001:A.5.15"],
    ),
    "LKW_DBX_042": ("Grants go to groups or service principals", "MEDIUM", ["SOC2:CC6.2", "SOC2:CC6.3"]),
    "LKW_DBX_071": ("Workspace enforces IP access lists", "HIGH", ["SOC2:CC6.1", "SOC2:CC6.6"]),
    "LKW_DBX_001": ("Private access settings disable public access", "HIGH", ["SOC2:CC6.1", "SOC2:CC6.6"]),
    "LKW_DBX_007": ("Audit logs are delivered as JSON", "HIGH", ["SOC2:CC7.2", "ISO27001:A.8.15"]),
    "LKW_DBX_005": (
        "Workspace encrypts storage with customer-managed keys",
        "HIGH",
        ["SOC2:CC6.7", "ISO27001:A.8.24"],
    ),
    "LKW_DBX_072": ("Workspace writes verbose audit logs", "MEDIUM", ["SOC2:CC7.2", "HIPAA:164.312(b)"]),
    "LKW_DBX_011": (
        "Cluster policy pins a data security mode",
        "HIGH",
        ["SOC2:CC6.1", "HIPAA:164.312(a)(1)"],
    ),
    "CKV_AWS_144": ("Ensure that S3 bucket has cross-region replication enabled", "HIGH", []),
    "LKW_DBX_057": ("Vector search endpoint is attributed to a budget policy", "LOW", ["SOC2:A1.1"]),
}


def finding(
    check: str, status: str, resource: str = "x.y", waiver: dict[str, Any] | None = None
) -> dict[str, Any]:
    if check in CHECKS:
        name, severity, controls = CHECKS[check]
    else:
        policy = by_id()[check]
        name, severity, controls = policy.name, policy.severity.value, policy.controls()
    data = {
        "check_id": check,
        "name": name,
        "resource": resource,
        "stack": stack_id("dev", WORKSPACE),
        "severity": severity,
        "status": status,
        "controls": controls,
        "details": [],
        "file": contract.stack_file(stack_id("dev", WORKSPACE)),
        "line": 1,
    }
    if waiver:
        data["waiver"] = waiver
    return data


def scan_report(
    waiver_expires: str = "2027-06-30",
    failing: tuple[str, ...] = ("LKW_DBX_057",),
    waived: tuple[str, ...] = (),
) -> dict[str, Any]:
    """`lakeward scan --format json` as the policies branch writes it: the checks of CHECKS as listed
    there, every other check of the pack passing on one resource. `waived` checks are waived (with
    CKV_AWS_144's waiver), as CKV_AWS_144 always is."""
    waiver = {
        "check": "CKV_AWS_144",
        "resource": "aws_s3_bucket.*",
        "stack": stack_id("*", FOUNDATION),
        "owner": "platform-team",
        "reason": "Single region for the first release.",
        "ticket": "SEC-103",
        "expires": waiver_expires,
    }
    findings = []
    for check in CHECKS:
        resource = f"databricks_grants.{check.lower()}"
        if check in waived:
            findings.append(finding(check, "waived", resource, {**waiver, "check": check}))
        elif check != "CKV_AWS_144":
            findings.append(finding(check, "failed" if check in failing else "passed", resource))
    findings += [
        finding(policy.id, "passed", f"{policy.resource_types[0]}.x")
        for policy in all_policies()
        if policy.id not in CHECKS
    ]
    findings.append(finding("CKV_AWS_144", "waived", "aws_s3_bucket.logs", waiver))
    checks = [
        {
            "id": c,
            "name": n,
            "severity": s,
            "rationale": f"why {c}",
            "controls": ctl,
            "remediation": "fix",
            "resource_types": [],
        }
        for c, (n, s, ctl) in CHECKS.items()
        if c.startswith("LKW")
    ]
    count = {s: sum(f["status"] == s for f in findings) for s in ("passed", "failed", "waived")}
    return {
        "source": "env:dev",
        "fail_on": "HIGH",
        "exit_code": 0,
        "seconds": 3.25,
        **count,
        "blocking": 0,
        "findings": findings,
        "checks": checks,
        "unused_waivers": [],
    }


def sarif_from(report: dict[str, Any]) -> dict[str, Any]:
    rules = [
        {
            "id": c["id"],
            "name": c["name"],
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["security", *c["controls"]]},
        }
        for c in report["checks"]
    ]
    results = []
    for f in report["findings"]:
        if f["status"] == "passed":
            continue
        result = {
            "ruleId": f["check_id"],
            "level": "error",
            "message": {"text": f["name"]},
            "locations": [{"logicalLocations": [{"fullyQualifiedName": f"{f['stack']}/{f['resource']}"}]}],
            "properties": {"controls": f["controls"]},
        }
        if f["status"] == "waived":
            result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": "waived"}]
        results.append(result)
    return {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "lakeward-scan", "rules": rules}}, "results": results}],
    }


def junit(cases: list[tuple[str, str, str]], timestamp: dt.datetime, suite: str = "pytest") -> str:
    """pytest's --junitxml layout; cases are (classname, name, outcome)."""
    body = []
    for classname, name, outcome in cases:
        inner = {
            "failed": '<failure message="assert False">assert False</failure>',
            "skipped": '<skipped message="skip"/>',
            "passed": "",
        }[outcome]
        body.append(f'<testcase classname="{classname}" name="{name}" time="0.01">{inner}</testcase>')
    failures = sum(c[2] == "failed" for c in cases)
    return (
        f'<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="{suite}" '
        f'errors="0" failures="{failures}" skipped="0" tests="{len(cases)}" time="1.0" '
        f'timestamp="{timestamp.isoformat()}" hostname="ci">{"".join(body)}</testsuite></testsuites>'
    )


PASSING_TESTS = [
    ("tests.test_workspace", "test_grants_are_least_privilege", "passed"),
    ("tests.test_workspace", "test_secret_scope_acls_and_no_secret_values", "passed"),
    ("tests.test_foundation", "test_security_groups_allow_only_intra_group_and_privatelink_ports", "passed"),
    ("tests.test_foundation", "test_buckets_are_private_versioned_encrypted_tls_only", "passed"),
    ("tests.test_foundation", "test_keys_rotate_and_admit_only_databricks_account", "passed"),
    ("tests.test_foundation", "test_flow_logs_capture_all_traffic", "passed"),
    ("tests.test_account", "test_private_access_admits_only_the_rest_endpoint_over_privatelink", "passed"),
    ("tests.test_account", "test_metastore_assigned_and_audit_logs_delivered", "passed"),
    ("tests.test_synth", "test_bad_environment_writes_nothing", "passed"),
]


def rehearsal(ok: bool = True) -> dict[str, Any]:
    steps = ["emulator", "synth", "init", "plan", "apply", "drift plan", "verify", "destroy"]
    return {
        "ok": ok,
        "environment": "dev",
        "stack": stack_id("dev", FOUNDATION),
        "seconds": 61.5,
        "steps": [{"name": s, "seconds": 1.5, "ok": True, "detail": ""} for s in steps],
        "drift_changes": [],
        "checks": [{"name": "bucket encrypted", "ok": ok, "detail": ""}],
        "resources": ["aws_s3_bucket.root"],
        "left_after_destroy": [],
        "excluded": [],
        "providers": {},
        "endpoint": "http://127.0.0.1:5000",
        "workdir": None,
    }


def waivers(expired: bool = False) -> dict[str, Any]:
    entries = [
        {
            "check": "CKV_AWS_144",
            "resource": "aws_s3_bucket.*",
            "stack": stack_id("*", FOUNDATION),
            "owner": "platform-team",
            "reason": "The first release is single-region; versioning protects objects.",
            "ticket": "SEC-103",
            "expires": dt.date(2027, 6, 30),
        },
        {
            "check": "LKW_DBX_057",
            "resource": "databricks_vector_search_endpoint.*",
            "owner": "platform-team",
            "reason": "No budget policy exists yet to attribute serverless usage.",
            "ticket": "FIN-12",
            "expires": dt.date(2026, 10, 1) if expired else dt.date(2026, 12, 15),
        },
    ]
    return {"waivers": entries}


def lineage_events() -> list[dict[str, Any]]:
    producer = "https://github.com/OpenLineage/OpenLineage/tree/1.23.0/client/python"
    schema = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"

    def event(job: str, inputs: list[str], outputs: list[str], minute: int) -> dict[str, Any]:
        return {
            "eventType": "COMPLETE",
            "eventTime": f"2026-11-25T10:{minute:02d}:00Z",
            "producer": producer,
            "schemaURL": schema,
            "run": {"runId": f"0190f3a0-0000-7000-8000-0000000000{minute:02d}"},
            "job": {"namespace": "lakeward-dev", "name": job},
            "inputs": [{"namespace": "llm_dev", "name": name} for name in inputs],
            "outputs": [{"namespace": "llm_dev", "name": name} for name in outputs],
        }

    return [
        event("ingest", ["raw.documents"], ["curated.documents"], 1),
        event("chunk", ["curated.documents"], ["chunks.passages"], 2),
        event("embed", ["chunks.passages"], ["embeddings.passages"], 3),
        event("evaluate", ["embeddings.passages", "curated.documents"], ["evaluation.retrieval"], 4),
    ]


def write_sources(
    root: Path, *, stale_tests: bool = False, expired_waiver: bool = False, waived: tuple[str, ...] = ()
) -> dict[str, Path]:
    """Every file-based source under `root`; returns their paths."""
    results = root / "results"
    results.mkdir(parents=True)
    report = scan_report(waiver_expires="2026-10-01" if expired_waiver else "2027-06-30", waived=waived)
    (results / "results.json").write_text(json.dumps(report, indent=2))
    (results / "results.sarif").write_text(json.dumps(sarif_from(report), indent=2))
    tests_time = NOW - dt.timedelta(days=30 if stale_tests else 1)
    (results / "pytest.xml").write_text(junit(PASSING_TESTS, tests_time))
    security = [("security_tests.test_tls", "test_tls_only", "passed")]
    (results / "security.xml").write_text(junit(security, tests_time, "security"))
    (results / "rehearsal.json").write_text(json.dumps(rehearsal()))
    waiver_file = root / "waivers.yaml"
    waiver_file.write_text(yaml.safe_dump(waivers(expired_waiver)))
    lineage = root / "lineage.jsonl"
    lineage.write_text("".join(json.dumps(e) + "\n" for e in lineage_events()))
    tenants = root / "tenants"
    tenants.mkdir()
    for name in ("claims_analytics", "hr_assistant"):
        shutil.copy(REPO_TENANTS / f"{name}.yaml", tenants)
    return {"results": results, "waivers": waiver_file, "lineage": lineage, "tenants": tenants}


def populate_mlflow(folder: Path) -> str:
    """An MLflow sqlite store with an evaluation run, a registered model with an alias and a prompt,
    written by a child process so MLflow's global tracking URI never leaks into other tests."""
    import subprocess
    import sys

    code = "import sys, pathlib, tests.evidence.sources as s; s._populate(pathlib.Path(sys.argv[1]))"
    subprocess.run(
        [sys.executable, "-c", code, str(folder)], check=True, cwd=Path(__file__).parents[2], timeout=300
    )
    return f"sqlite:///{folder / 'mlflow.db'}"


def _populate(folder: Path) -> None:
    import mlflow
    from mlflow import MlflowClient

    uri = f"sqlite:///{folder / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(uri, uri)
    experiment = client.create_experiment("rag-evaluation", artifact_location=(folder / "artifacts").as_uri())
    with mlflow.start_run(experiment_id=experiment, run_name="retrieval-eval") as run:
        mlflow.log_metrics({"recall_at_10": 0.82, "ndcg_at_10": 0.67, "faithfulness": 0.91})
    client.create_registered_model("rag_answerer")
    version = client.create_model_version(
        "rag_answerer", f"{run.info.artifact_uri}/model", run_id=run.info.run_id
    )
    client.set_registered_model_alias("rag_answerer", "champion", version.version)
    prompt = mlflow.genai.register_prompt(
        name="answer_prompt", template="Answer {{question}} from {{context}}."
    )
    mlflow.genai.set_prompt_alias("answer_prompt", "production", prompt.version)
