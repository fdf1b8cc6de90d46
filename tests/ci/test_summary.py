"""`lakeward ci summary` on small documents: findings, undecided checks, tenant blast radius, deploy
order, plans that wait for a step, and bad input. (tests/ci/test_saved_plans.py runs it on real
terraform plans and their logs.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lakeward.ci.summary import plan_errors, stage_of, waits_for
from stacks.names import ACCOUNT, FOUNDATION, RETRIEVAL, WORKSPACE, stack_id, tenant_stack_id
from tests.cli import run_cli

DEV_TENANT_ACCOUNT = tenant_stack_id("dev", "account")
PROD_CLAIMS = tenant_stack_id("prod", "claims")
DEV_WORKSPACE = stack_id("dev", WORKSPACE)
DEV_FOUNDATION = stack_id("dev", FOUNDATION)
PROD_FOUNDATION = stack_id("prod", FOUNDATION)
DEV_ACCOUNT = stack_id("dev", ACCOUNT)


def _plan(*changes: tuple[str, list[str]]) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {},
        "resource_changes": [
            {"address": address, "change": {"actions": actions}} for address, actions in changes
        ],
    }


def _write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _finding(check: str, severity: str, status: str) -> dict[str, Any]:
    return {
        "check_id": check,
        "severity": severity,
        "status": status,
        "stack": f"{DEV_WORKSPACE}",
        "resource": f"r.{check}",
    }


def test_stacks_follow_deploy_order_and_tenant_names_never_pass_for_a_stage() -> None:
    assert [stage_of(name) for name in (f"{PROD_FOUNDATION}", f"{DEV_TENANT_ACCOUNT}", "x")] == [
        "foundation",
        "tenant",
        "other",
    ]


def test_one_summary_of_plans_findings_and_tenant_blast_radius(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    _write(plans / "prod" / f"{PROD_CLAIMS}.plan.json", _plan(("databricks_catalog.c", ["create"])))
    _write(
        plans / "dev" / f"{DEV_WORKSPACE}.plan.json",
        _plan(("databricks_grants.g", ["update"]), ("x.noop", ["no-op"])),
    )
    _write(
        plans / "dev" / f"{DEV_FOUNDATION}.plan.json",
        _plan(("aws_vpc.main", ["delete"]), ("aws_s3_bucket.b", ["read"])),
    )
    scan = _write(
        tmp_path / "results.json",
        {
            "source": "out/synth/dev",
            "blocking": 1,
            "findings": [
                _finding("CKV_DBX_1", "HIGH", "failed"),
                _finding("CKV_DBX_2", "LOW", "failed"),
                _finding("CKV_DBX_3", "HIGH", "waived"),
                _finding("CKV_DBX_4", "CRITICAL", "passed"),
            ],
        },
    )
    tenant = _write(
        tmp_path / "claims.json",
        {
            "tenant": "claims",
            "environment": "prod",
            "stack": f"{PROD_CLAIMS}",
            "resources": ["a", "b"],
            "grants": {
                "claims_prod": {"claims-admins": ["ALL_PRIVILEGES"], "claims-readers": ["USE_CATALOG"]}
            },
            "risks": ["the catalog is OPEN"],
        },
    )
    out = tmp_path / "summary.md"
    result = run_cli("ci", "summary", "--plans", plans, "--scan", scan, "--tenant-plan", tenant, "--out", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `lakeward-")]
    assert rows[:3] == [
        f"| `{DEV_FOUNDATION}` | 0 | 0 | 1 |",
        f"| `{DEV_WORKSPACE}` | 0 | 1 | 0 |",
        f"| `{PROD_CLAIMS}` | 1 | 0 | 0 |",
    ]
    assert f"- `{DEV_FOUNDATION}`: `aws_vpc.main` (destroyed)" in text
    assert "| `out/synth/dev` | 0 | 1 | 0 | 1 | 1 | 0 | 1 |" in text
    assert f"| CKV_DBX_1 | HIGH | `{DEV_WORKSPACE}` | `r.CKV_DBX_1` |" in text
    assert "CKV_DBX_3" not in text and "CKV_DBX_4" not in text
    assert (
        f"| `claims` | prod | `{PROD_CLAIMS}` | 2 | `claims_prod` "
        "| claims-admins, claims-readers | the catalog is OPEN |"
    ) in text


def test_without_scans_or_tenants_only_the_plans_are_summarized(tmp_path: Path) -> None:
    _write(tmp_path / f"{DEV_ACCOUNT}.plan.json", _plan())
    result = run_cli("ci", "summary", "--plans", tmp_path)
    assert result.exit_code == 0
    assert "| **total** | **0** | **0** | **0** |" in result.stdout
    assert "Destroyed or replaced" in result.stdout and "Policy findings" not in result.stdout


def test_bad_input_names_the_option_and_the_fix(tmp_path: Path) -> None:
    empty = run_cli("ci", "summary", "--plans", tmp_path / "none", process=True)
    assert empty.exit_code == 2 and "Traceback" not in empty.stderr
    assert "--plans: no *.plan.json files under this folder" in empty.stderr and "fix:" in empty.stderr
    _write(tmp_path / "p" / f"{DEV_ACCOUNT}.plan.json", {"resource_changes": []})
    not_a_plan = run_cli("ci", "summary", "--plans", tmp_path / "p")
    assert not_a_plan.exit_code == 2 and "no terraform_version, planned_values in it" in not_a_plan.stderr
    assert "terraform show -json" in not_a_plan.stderr
    (tmp_path / "p" / f"{DEV_ACCOUNT}.plan.json").write_text("{", encoding="utf-8")
    broken = run_cli("ci", "summary", "--plans", tmp_path / "p")
    assert broken.exit_code == 2 and "cannot read JSON" in broken.stderr
    _write(tmp_path / "q" / f"{DEV_ACCOUNT}.plan.json", _plan())
    scan = _write(tmp_path / "scan.json", {"source": "x"})
    wrong_scan = run_cli("ci", "summary", "--plans", tmp_path / "q", "--scan", scan)
    assert (
        wrong_scan.exit_code == 2
        and "--scan" in wrong_scan.stderr
        and "no findings in it" in wrong_scan.stderr
    )


def test_undecided_checks_are_counted_apart_neither_passed_nor_failed(tmp_path: Path) -> None:
    """policies/scan.py: an HCL scan lists the checks it could not decide under `undecided`."""
    _write(tmp_path / "plans" / f"{DEV_ACCOUNT}.plan.json", _plan())
    undecided = {**_finding("CKV_DBX_5", "HIGH", "undecided"), "reason": "var.cidr is not set"}
    scan = _write(
        tmp_path / "results.json",
        {"source": "terraform/", "blocking": 0, "findings": [], "undecided": [undecided, undecided]},
    )
    result = run_cli("ci", "summary", "--plans", tmp_path / "plans", "--scan", scan)
    assert result.exit_code == 0, result.stderr
    assert "| scan | CRITICAL | HIGH | MEDIUM | LOW | waived | undecided | blocking |" in result.stdout
    assert "| `terraform/` | 0 | 0 | 0 | 0 | 0 | 2 | 0 |" in result.stdout
    assert "CKV_DBX_5" not in result.stdout


WAITING = """Error: Resource postcondition failed

  on cdk.tf.json line 40, in data.databricks_functions.governance-functions:
  40: "lifecycle": {

lakeward_dev.governance.mask_email does not exist: run `lakeward bootstrap
--env dev` (after the workspace stack, before this one)
"""
BOXED = "\n".join(f"\u2502 {line}" for line in WAITING.splitlines())
OTHER_POSTCONDITION = WAITING.replace("mask_email does not exist: run", "mask_email is stale: rerun")
UNDECLARED = """Error: Reference to undeclared resource

  on cdk.tf.json line 12: A managed resource "x" "y" has not been declared in the root module.
"""


@pytest.mark.parametrize(
    ("log", "step"),
    [
        (WAITING, ("bootstrap", "lakeward bootstrap --env dev")),
        (BOXED, ("bootstrap", "lakeward bootstrap --env dev")),
        (
            WAITING + WAITING.replace("mask_email", "filter_region"),
            ("bootstrap", "lakeward bootstrap --env dev"),
        ),
        (WAITING + UNDECLARED, None),
        (OTHER_POSTCONDITION, None),
        (WAITING.replace("Error: Resource postcondition failed", "Error: Invalid reference"), None),
        ("Killed\n", None),
    ],
    ids=["plain", "boxed", "two-functions", "with-another-error", "other-message", "other-error", "no-error"],
)
def test_only_a_plan_whose_every_error_is_a_step_postcondition_waits(log: str, step: object) -> None:
    """A wait never hides a failure: one error of another kind, another message, or none, is a failure."""
    assert waits_for(plan_errors(log)) == step


def test_a_stack_waits_for_the_latest_step_it_needs_that_runs_the_command() -> None:
    """The bootstrap runs before the tenant stacks (`bootstrap`) and after them (`tenant-tables`): a
    tenant stack waits for the first, the retrieval stack for the second, an unknown stack for the first."""
    retrieval = WAITING.replace("lakeward_dev.governance.mask_email", "llm_dev.curated.embeddings")
    run = ("lakeward bootstrap --env dev",)
    assert waits_for(plan_errors(WAITING), DEV_TENANT_ACCOUNT) == ("bootstrap", *run)
    assert waits_for(plan_errors(retrieval), stack_id("dev", RETRIEVAL)) == ("tenant-tables", *run)
    assert waits_for(plan_errors(retrieval), "someone-elses-stack") == ("bootstrap", *run)


def test_a_summary_of_waiting_stacks_alone_passes_and_says_what_they_wait_for(tmp_path: Path) -> None:
    _write(tmp_path / f"{DEV_ACCOUNT}.plan.json", _plan())
    (tmp_path / f"{DEV_TENANT_ACCOUNT}.plan.log").write_text(WAITING, encoding="utf-8")
    result = run_cli("ci", "summary", "--plans", tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "### Not planned" in result.stdout
    assert (
        f"| `{DEV_TENANT_ACCOUNT}` | waits for `bootstrap` (`lakeward bootstrap --env dev` runs in the deploy"
        in result.stdout
    )
    (tmp_path / f"{DEV_TENANT_ACCOUNT}.plan.log").write_text(WAITING + UNDECLARED, encoding="utf-8")
    failed = run_cli("ci", "summary", "--plans", tmp_path, "--json")
    assert failed.exit_code == 1
    assert json.loads(failed.stdout)["failed"] == [DEV_TENANT_ACCOUNT]
