"""The plan/apply scripts the pipelines share, and `lakeward ci summary`, on real terraform plans.

A small repository holds two stacks with local state: a foundation stack (the AWS provider from the
machine's mirror, fake credentials) already applied once, so its next plan adds, changes, replaces and
destroys; and a tenant stack of provider-less `terraform_data`, which can really be applied offline.
These need terraform and the provider mirror, which CI machines have: they run, never skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lakeward.ci.summary import read_plans, read_unplanned, render_summary
from lakeward.rehearsal.terraform import cli_config, find_mirror
from stacks.names import ACCOUNT, FOUNDATION, stack_id, tenant_stack_id
from tests.cli import run_cli

DEV_CLAIMS = tenant_stack_id("dev", "claims")
DEV_FOUNDATION = stack_id("dev", FOUNDATION)
DEV_ACCOUNT = stack_id("dev", ACCOUNT)
DEV_FRESH = tenant_stack_id("dev", "fresh")
DEV_BROKEN = tenant_stack_id("dev", "broken")
# A tenant stack's plan-time postcondition before the bootstrap ran (infra/workspace/tenant/abac.py).
NOT_BOOTSTRAPPED = (
    "lakeward_dev.governance.mask_email does not exist: run `lakeward bootstrap --env dev` "
    "(after the workspace stack, before this one)"
)

REPO = Path(__file__).resolve().parents[2]
PLAN_STACKS = REPO / "ci" / "scripts" / "plan-stacks.sh"
APPLY_STAGE = REPO / "ci" / "scripts" / "apply-stage.sh"
FOUNDATION_STACK = DEV_FOUNDATION
TENANT_STACK = DEV_CLAIMS
AWS = {
    "region": "us-east-1",
    "access_key": "test",
    "secret_key": "test",
    "skip_credentials_validation": True,
    "skip_requesting_account_id": True,
    "skip_metadata_api_check": True,
}

pytestmark = pytest.mark.slow


def _lakeward_env(env: dict[str, str]) -> dict[str, str]:
    """apply-stage.sh runs this checkout's Lakeward, on this project's environments."""
    return {
        **env,
        "LAKEWARD": f"{sys.executable} -m lakeward",
        "PYTHONPATH": str(REPO),
        "LAKEWARD_PROJECT": str(REPO),
    }


def _stack(state: Path, resources: dict[str, Any], *, aws_version: str | None = None) -> dict[str, Any]:
    terraform: dict[str, Any] = {"backend": {"local": {"path": str(state)}}}
    document: dict[str, Any] = {"terraform": terraform, "resource": resources}
    if aws_version:
        terraform["required_providers"] = {"aws": {"source": "hashicorp/aws", "version": aws_version}}
        document["provider"] = {"aws": [AWS]}
    return document


def _write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def _run(*command: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A committed repository whose two stacks were planned by plan-stacks.sh into `plans`."""
    root = tmp_path_factory.mktemp("platform")
    mirror, version = find_mirror()
    (root / "terraform.rc").write_text(cli_config(mirror), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "TF_"))}
    env.update(TF_CLI_CONFIG_FILE=str(root / "terraform.rc"), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    env = _lakeward_env(env)
    repo, state = root / "repo", root / "state"
    foundation = repo / "synth" / "stacks" / FOUNDATION_STACK
    before = {
        "terraform_data": {
            "kept": {"input": "a"},
            "gone": {"input": "x"},
            "swapped": {"triggers_replace": ["1"]},
        }
    }
    _write(foundation / "cdk.tf.json", _stack(state / "foundation.tfstate", before, aws_version=version))
    for args in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        done = _run("terraform", f"-chdir={foundation}", *args, cwd=repo, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    after = {
        "terraform_data": {"kept": {"input": "b"}, "swapped": {"triggers_replace": ["2"]}},
        "aws_s3_bucket": {"logs": {"bucket": "lakeward-ci-logs"}},
        "aws_kms_key": {"storage": {"description": "storage"}},
    }
    _write(foundation / "cdk.tf.json", _stack(state / "foundation.tfstate", after, aws_version=version))
    tenant = {"terraform_data": {"catalog": {"input": "claims_dev"}, "schema": {"input": "claims_dev.raw"}}}
    _write(repo / "synth" / "stacks" / TENANT_STACK / "cdk.tf.json", _stack(state / "tenant.tfstate", tenant))
    (repo / ".gitignore").write_text("synth/\nplans/\n", encoding="utf-8")
    for command in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
    ):
        subprocess.run(["git", *command], cwd=repo, check=True)
    planned = _run("bash", PLAN_STACKS, "synth", "plans", cwd=repo, env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    return {"repo": repo, "plans": repo / "plans", "env": env, "state": state}


def _copy(project: dict[str, Any], tmp_path: Path) -> Path:
    """A fresh copy of the saved plans, as a deploy job downloads them."""
    return Path(shutil.copytree(project["plans"], tmp_path / "plans"))


def _apply(project: dict[str, Any], plans: Path, stage: str) -> subprocess.CompletedProcess[str]:
    return _run("bash", APPLY_STAGE, plans, "dev", stage, cwd=project["repo"], env=project["env"])


def test_the_plans_are_saved_with_their_configuration_source_and_digests(project: dict[str, Any]) -> None:
    plans = project["plans"]
    assert sorted(path.name for path in plans.iterdir()) == sorted(
        [
            FOUNDATION_STACK,
            TENANT_STACK,
            f"{FOUNDATION_STACK}.plan.json",
            f"{TENANT_STACK}.plan.json",
            "source",
            "SHA256SUMS",
        ]
    )
    assert {path.name for path in (plans / FOUNDATION_STACK).iterdir()} == {
        "cdk.tf.json",
        ".terraform.lock.hcl",
        f"{FOUNDATION_STACK}.tfplan",
    }
    listed = {line.split("  ", 1)[1] for line in (plans / "SHA256SUMS").read_text().splitlines()}
    assert f"{FOUNDATION_STACK}/{FOUNDATION_STACK}.tfplan" in listed and "source" in listed
    tree = subprocess.run(
        ["git", "rev-parse", "HEAD^{tree}"], cwd=project["repo"], capture_output=True, text=True
    )
    assert f"tree {tree.stdout.strip()}" in (plans / "source").read_text()


def test_the_summary_counts_a_real_plan_as_terraform_does(project: dict[str, Any]) -> None:
    plans = read_plans(project["plans"])
    assert [plan.stack for plan in plans] == [FOUNDATION_STACK, TENANT_STACK]
    foundation = plans[0]
    assert sorted(foundation.add) == ["aws_kms_key.storage", "aws_s3_bucket.logs"]
    assert foundation.change == ["terraform_data.kept"]
    assert foundation.destroy == ["terraform_data.gone"]
    assert foundation.replace == ["terraform_data.swapped"]
    text = render_summary(plans, [], [])
    assert f"| `{FOUNDATION_STACK}` | 3 | 1 | 2 |" in text
    assert f"| `{TENANT_STACK}` | 2 | 0 | 0 |" in text
    assert "| **total** | **5** | **1** | **2** |" in text
    assert f"- `{FOUNDATION_STACK}`: `terraform_data.gone` (destroyed)" in text
    assert f"- `{FOUNDATION_STACK}`: `terraform_data.swapped` (replaced)" in text


def test_a_stage_applies_its_saved_plan_once_then_terraform_refuses_it_as_stale(
    project: dict[str, Any], tmp_path: Path
) -> None:
    plans = _copy(project, tmp_path)
    applied = _apply(project, plans, "tenants")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert f"terraform apply: {plans}/{TENANT_STACK}/{TENANT_STACK}.tfplan" in applied.stdout
    state = json.loads((project["state"] / "tenant.tfstate").read_text())
    assert sorted(resource["name"] for resource in state["resources"]) == ["catalog", "schema"]
    again = _apply(project, _copy(project, tmp_path / "again"), "tenants")
    assert again.returncode != 0
    assert "stale" in again.stdout + again.stderr


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda plans: (plans / TENANT_STACK / f"{TENANT_STACK}.tfplan").write_bytes(b"other"),
            "does not match its digest",
        ),
        (lambda plans: (plans / TENANT_STACK / "extra.tfplan").write_bytes(b""), "not listed in SHA256SUMS"),
        (lambda plans: (plans / "SHA256SUMS").unlink(), "no saved plans"),
        (lambda plans: shutil.rmtree(plans / FOUNDATION_STACK), "does not match its digest"),
    ],
    ids=["altered", "unlisted", "missing", "stack-removed"],
)
def test_altered_or_missing_plans_are_refused_before_terraform_runs(
    project: dict[str, Any], tmp_path: Path, damage: Any, message: str
) -> None:
    plans = _copy(project, tmp_path)
    damage(plans)
    refused = _apply(project, plans, "tenants")
    assert refused.returncode == 1
    assert message in refused.stderr and "nothing was applied" in refused.stderr
    assert "terraform apply" not in refused.stdout


def test_plans_made_from_another_tree_are_refused_as_stale(project: dict[str, Any], tmp_path: Path) -> None:
    plans = _copy(project, tmp_path)
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(project["repo"]), str(other)], check=True)
    (other / "README.md").write_text("a later change\n", encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=other, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "y"], cwd=other, check=True
    )
    refused = _run("bash", APPLY_STAGE, plans, "dev", "tenants", cwd=other, env=project["env"])
    assert refused.returncode == 1
    assert "the plans are stale" in refused.stderr


def test_an_unknown_stage_is_refused_and_a_stage_without_stacks_applies_nothing(
    project: dict[str, Any], tmp_path: Path
) -> None:
    """A stack deleted from the saved plans is refused by its digest (above); a stage whose stacks this
    environment does not synthesize (the metastore outside the environment that creates it) is empty."""
    plans = _copy(project, tmp_path)
    unknown = _apply(project, plans, "network")
    assert unknown.returncode == 1 and "unknown stage 'network'" in unknown.stderr
    assert "use one of: metastore foundation account workspace bootstrap tenants" in unknown.stderr
    empty = _apply(project, plans, "metastore")
    assert empty.returncode == 0, empty.stderr
    assert "metastore: no stack of this stage in dev; nothing to apply" in empty.stdout
    assert "terraform apply" not in empty.stdout


def test_the_bootstrap_stage_runs_the_bootstrap_and_the_release_is_no_deploy(
    project: dict[str, Any], tmp_path: Path
) -> None:
    plans = _copy(project, tmp_path)
    env = {key: value for key, value in project["env"].items() if not key.startswith("DATABRICKS_")}
    bootstrap = _run("bash", APPLY_STAGE, plans, "dev", "bootstrap", cwd=project["repo"], env=env)
    assert "bootstrap: lakeward bootstrap --env dev" in bootstrap.stdout
    # Without workspace credentials the bootstrap itself refuses, as it says.
    assert bootstrap.returncode == 2 and "DATABRICKS_HOST" in bootstrap.stderr
    release = _apply(project, plans, "release")
    assert release.returncode == 0 and "release: not run by the deploy: a model release" in release.stdout


@pytest.fixture(scope="module")
def fresh(project: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A repository whose tenant stack `fresh` stops at plan time because the bootstrap has not run, and
    whose tenant stack `broken` fails for another reason, planned by plan-stacks.sh."""
    root = tmp_path_factory.mktemp("fresh")
    repo, state = root / "repo", root / "state"
    waiting = {
        "terraform_data": {
            "functions": {
                "input": "none",
                "lifecycle": {
                    "postcondition": [
                        {"condition": '${self.input == "mask_email"}', "error_message": NOT_BOOTSTRAPPED}
                    ]
                },
            }
        }
    }
    _write(repo / "synth" / "stacks" / DEV_FRESH / "cdk.tf.json", _stack(state / "fresh.tfstate", waiting))
    broken = {"terraform_data": {"schema": {"input": "${terraform_data.missing.id}"}}}
    _write(repo / "synth" / "stacks" / DEV_BROKEN / "cdk.tf.json", _stack(state / "broken.tfstate", broken))
    (repo / ".gitignore").write_text("synth/\nplans/\n", encoding="utf-8")
    for command in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
    ):
        subprocess.run(["git", *command], cwd=repo, check=True)
    planned = _run("bash", PLAN_STACKS, "synth", "plans", cwd=repo, env=project["env"])
    return {"repo": repo, "plans": repo / "plans", "env": project["env"], "planned": planned}


def test_failed_plans_leave_their_log_and_the_other_stacks_are_still_planned(fresh: dict[str, Any]) -> None:
    assert fresh["planned"].returncode == 0, fresh["planned"].stderr
    names = {path.name for path in fresh["plans"].iterdir()}
    assert {f"{DEV_FRESH}.plan.log", f"{DEV_BROKEN}.plan.log", "SHA256SUMS", "source"} <= names
    assert not names & {DEV_FRESH, DEV_BROKEN, f"{DEV_FRESH}.plan.json"}
    assert f"terraform plan failed: {DEV_FRESH}" in fresh["planned"].stderr


def test_a_plan_waiting_for_the_bootstrap_is_told_from_a_failure(
    fresh: dict[str, Any], tmp_path: Path
) -> None:
    """On terraform's own output: the postcondition's message, wrapped and boxed as terraform prints it."""
    by_stack = {plan.stack: plan for plan in read_unplanned(fresh["plans"])}
    assert by_stack[DEV_FRESH].waits_for == "bootstrap", by_stack[DEV_FRESH].errors
    assert by_stack[DEV_BROKEN].waits_for is None
    both = run_cli("ci", "summary", "--plans", fresh["plans"])
    assert both.exit_code == 1
    assert f"| `{DEV_FRESH}` | waits for `bootstrap` (`lakeward bootstrap --env dev` runs" in both.stdout
    assert f"| `{DEV_BROKEN}` | **failed**: `Reference to undeclared resource" in both.stdout
    waiting_only = Path(shutil.copytree(fresh["plans"], tmp_path / "plans"))
    (waiting_only / f"{DEV_BROKEN}.plan.log").unlink()
    waits = run_cli("ci", "summary", "--plans", waiting_only, "--json")
    assert waits.exit_code == 0, waits.stdout
    assert json.loads(waits.stdout)["waiting"] == {DEV_FRESH: "bootstrap"}


def test_a_stage_with_a_stack_that_was_not_planned_applies_nothing(
    fresh: dict[str, Any], tmp_path: Path
) -> None:
    plans = Path(shutil.copytree(fresh["plans"], tmp_path / "plans"))
    refused = _run("bash", APPLY_STAGE, plans, "dev", "tenants", cwd=fresh["repo"], env=fresh["env"])
    assert refused.returncode == 1 and "nothing was applied" in refused.stderr
    assert f"not planned: {DEV_BROKEN} {DEV_FRESH}" in refused.stderr
    assert "terraform apply" not in refused.stdout
