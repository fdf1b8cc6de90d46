"""The CI templates under ci/: valid against the published schemas, clean under actionlint, and built
to apply only the reviewed plans, stage by stage, one deploy per environment, prod behind an approval."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

from lakeward.ci.stages import NOT_DEPLOYED
from stacks.stages import STAGES as DEPLOY_STAGES
from tests.cli import run_cli

REPO = Path(__file__).resolve().parents[2]
GITHUB = REPO / "ci" / "github"
GITLAB = REPO / "ci" / "gitlab" / "lakeward.gitlab-ci.yml"
SCRIPTS = REPO / "ci" / "scripts"
TOOLS = Path(sys.executable).parent
# The stages a deploy runs, in the order of stacks/stages.py: the templates keep one job per stage.
STAGES = [stage.name for stage in DEPLOY_STAGES if stage.name not in NOT_DEPLOYED]


def _load(path: Path) -> dict[Any, Any]:
    # YAML 1.1 reads GitHub's `on:` key as True; BaseLoader keeps every key and scalar a string.
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def _tool(name: str) -> str:
    found = shutil.which(name, path=f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        message = f"{name} is not installed: install the dev extra (`make setup`)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def pr() -> dict[Any, Any]:
    return _load(GITHUB / "lakeward-pr.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[Any, Any]:
    return _load(GITHUB / "lakeward-deploy.yml")


@pytest.fixture(scope="module")
def apply() -> dict[Any, Any]:
    return _load(GITHUB / "lakeward-apply.yml")


@pytest.fixture(scope="module")
def drift() -> dict[Any, Any]:
    return _load(GITHUB / "lakeward-drift.yml")


@pytest.fixture(scope="module")
def gitlab() -> dict[Any, Any]:
    return _load(GITLAB)


def _steps(workflow: dict[Any, Any]) -> Iterator[tuple[str, dict[Any, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def _shell(text: str) -> Iterator[str]:
    """Every command line of a shell snippet, continuation lines joined."""
    yield from (line.strip() for line in text.replace("\\\n", " ").splitlines() if line.strip())


def _gitlab_script(job: dict[Any, Any]) -> list[str]:
    return [line for key in ("before_script", "script") for item in job.get(key, []) for line in _shell(item)]


def _all_commands(*workflows: dict[Any, Any], gitlab: dict[Any, Any]) -> list[str]:
    lines = [
        line for workflow in workflows for _, step in _steps(workflow) for line in _shell(step.get("run", ""))
    ]
    lines += [line for job in gitlab.values() if isinstance(job, dict) for line in _gitlab_script(job)]
    lines += [line for path in SCRIPTS.glob("*.sh") for line in _shell(path.read_text(encoding="utf-8"))]
    return lines


def test_github_workflows_match_the_published_schema() -> None:
    files = sorted(GITHUB.glob("*.yml"))
    assert [path.name for path in files] == [
        "lakeward-apply.yml",
        "lakeward-deploy.yml",
        "lakeward-drift.yml",
        "lakeward-pr.yml",
    ]
    checked = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_gitlab_pipeline_matches_the_published_schema() -> None:
    checked = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(GITLAB)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_actionlint_passes_where_the_workflows_are_installed(tmp_path: Path) -> None:
    """Copied as docs/ci.md says, so that the deploy's local reusable workflow resolves."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for path in GITHUB.glob("*.yml"):
        shutil.copy(path, workflows)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    linted = subprocess.run([_tool("actionlint"), "-oneline"], cwd=tmp_path, capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_a_pull_request_scans_uploads_sarif_and_junit_plans_and_posts_one_summary(pr: dict[Any, Any]) -> None:
    steps = [step for _, step in _steps(pr)]
    scan = next(step["run"] for step in steps if "lakeward scan" in step.get("run", ""))
    assert "--format text,sarif,junitxml,json" in scan
    sarif = next(
        step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    )
    assert sarif["with"]["sarif_file"].endswith("/scan/results.sarif")
    junit = next(step for step in steps if step.get("uses", "").startswith("mikepenz/action-junit-report@"))
    assert junit["with"]["report_paths"].endswith("/scan/results.xml")
    runs = "\n".join(step.get("run", "") for step in steps)
    for command in (
        "lakeward synth",
        "lakeward rehearse",
        "ci/scripts/plan-stacks.sh",
        "lakeward tenant plan",
    ):
        assert command in runs
    saved = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert saved["with"]["name"] == "lakeward-plans-${{ matrix.environment }}-${{ env.HEAD_SHA }}"
    assert pr["env"]["HEAD_SHA"] == "${{ github.event.pull_request.head.sha }}"
    summary = pr["jobs"]["summary"]
    assert summary["needs"] == "plan"
    assert "lakeward ci summary --plans plans" in runs
    assert any(
        step.get("uses", "").startswith("marocchino/sticky-pull-request-comment@")
        for step in summary["steps"]
    )
    assert pr["jobs"]["plan"]["permissions"]["security-events"] == "write"


def test_the_deploy_applies_the_merged_pull_requests_saved_plans_never_a_fresh_plan(
    pr: dict[Any, Any], deploy: dict[Any, Any], apply: dict[Any, Any], gitlab: dict[Any, Any]
) -> None:
    assert deploy["on"]["push"]["branches"] == ["main"]
    found = "\n".join(step.get("run", "") for _, step in _steps(deploy))
    assert (
        "commits/$MERGED/pulls" in found
        and "--workflow lakeward-pr.yml" in found
        and "--status success" in found
    )
    download = next(
        step for _, step in _steps(apply) if step.get("uses", "").startswith("actions/download-artifact@")
    )
    assert download["with"]["name"] == "lakeward-plans-${{ inputs.environment }}-${{ inputs.head-sha }}"
    assert download["with"]["run-id"] == "${{ inputs.run-id }}"
    deploy_lines = [line for _, step in _steps(apply) for line in _shell(step.get("run", ""))]
    deploy_lines += [
        line
        for name, job in gitlab.items()
        if name.startswith(("dev:", "prod:", ".apply", ".evidence", "lakeward:reviewed-plans"))
        for line in _gitlab_script(job)
    ]
    assert not [
        line for line in deploy_lines if "plan-stacks" in line or re.search(r"terraform\b.*\bplan\b", line)
    ]
    # One per stage job on GitHub (their steps are one YAML anchor), one in GitLab's `.apply`.
    assert sum("ci/scripts/apply-stage.sh" in line for line in deploy_lines) == len(STAGES) + 1


def test_every_terraform_apply_applies_a_saved_plan_file(
    pr: dict[Any, Any],
    deploy: dict[Any, Any],
    apply: dict[Any, Any],
    drift: dict[Any, Any],
    gitlab: dict[Any, Any],
) -> None:
    applies = [
        line
        for line in _all_commands(pr, deploy, apply, drift, gitlab=gitlab)
        if re.search(r"terraform\b.*\bapply\b", line)
    ]
    assert applies, "no terraform apply found"
    for line in applies:
        words = shlex.split(line)
        assert words[-1].endswith(".tfplan"), line
        assert "-auto-approve" not in words and "-replace" not in " ".join(words), line


def test_stages_run_in_order_dev_then_prod(
    deploy: dict[Any, Any], apply: dict[Any, Any], gitlab: dict[Any, Any]
) -> None:
    """The order of stacks/stages.py, the bootstrap step between the workspace and the tenant stacks,
    and no job for the model release."""
    assert STAGES.index("workspace") < STAGES.index("bootstrap") < STAGES.index("tenants")
    assert "release" not in STAGES and STAGES[-1] == "serving"
    lines = [line for _, step in _steps(apply) for line in _shell(step.get("run", ""))]
    lines += [line for job in gitlab.values() if isinstance(job, dict) for line in _gitlab_script(job)]
    assert not [line for line in lines if re.search(r"\blakeward (release|rollout)\b", line)]
    jobs = apply["jobs"]
    assert list(jobs) == [*STAGES, "evidence"]
    for earlier, later in pairwise([*STAGES, "evidence"]):
        assert jobs[later]["needs"] == earlier
    for stage in STAGES:
        assert jobs[stage]["env"]["STAGE"] == stage
        assert (
            jobs[stage]["steps"][-1]["run"]
            == 'bash ci/scripts/apply-stage.sh "$PLANS/stacks" "$ENVIRONMENT" "$STAGE"'
        )
    assert deploy["jobs"]["prod"]["needs"] == ["reviewed-plans", "dev"]
    assert gitlab["stages"][gitlab["stages"].index(STAGES[0]) :] == [*STAGES, "evidence", "drift"]
    for env in ("dev", "prod"):
        for earlier, later in pairwise(STAGES):
            assert gitlab[f"{env}:{later}"]["needs"] == ["lakeward:reviewed-plans", f"{env}:{earlier}"]
            assert gitlab[f"{env}:{later}"]["stage"] == later
        assert gitlab[f"{env}:evidence"]["needs"] == ["lakeward:reviewed-plans", f"{env}:{STAGES[-1]}"]
    assert gitlab[f"prod:{STAGES[0]}"]["needs"] == ["lakeward:reviewed-plans", f"dev:{STAGES[-1]}"]


def test_one_deploy_per_environment_at_a_time(deploy: dict[Any, Any], gitlab: dict[Any, Any]) -> None:
    groups = {}
    for env in ("dev", "prod"):
        job = deploy["jobs"][env]
        assert job["uses"] == "./.github/workflows/lakeward-apply.yml" and job["with"]["environment"] == env
        assert job["concurrency"]["cancel-in-progress"] == "false"
        groups[env] = job["concurrency"]["group"]
        assert env in groups[env]
        assert gitlab[f".{env}"]["resource_group"] == f"lakeward-deploy-{env}"
        for stage in [*STAGES, "evidence"]:
            assert f".{env}" in gitlab[f"{env}:{stage}"]["extends"]
    assert groups["dev"] != groups["prod"]


def test_prod_is_applied_only_after_an_approval(
    deploy: dict[Any, Any], apply: dict[Any, Any], gitlab: dict[Any, Any]
) -> None:
    """GitHub: every job that applies or publishes runs in the environment named after the target, whose
    required reviewers (docs/ci.md) gate prod. GitLab: prod starts with a manual, blocking job in the
    protected `prod` environment."""
    for job in apply["jobs"].values():
        assert job["environment"] == "${{ inputs.environment }}"
    assert deploy["jobs"]["prod"]["with"]["environment"] == "prod"
    assert gitlab[".prod"]["environment"] == {"name": "prod", "deployment_tier": "production"}
    (rule,) = gitlab[f"prod:{STAGES[0]}"]["rules"]
    assert rule["when"] == "manual" and rule["allow_failure"] == "false"
    assert "required reviewers" in (REPO / "docs" / "ci.md").read_text(encoding="utf-8")


def test_gitlab_sends_junit_to_the_test_report(gitlab: dict[Any, Any]) -> None:
    plan = gitlab["lakeward:plan"]
    assert plan["artifacts"]["reports"]["junit"] == "out/plans/$ENVIRONMENT/scan/results.xml"
    assert plan["artifacts"]["when"] == "always"
    assert "--format text,sarif,junitxml,json" in " ".join(_gitlab_script(plan))


def _lakeward_invocations(lines: list[str]) -> Iterator[list[str]]:
    for line in lines:
        for match in re.finditer(r"(?:^|[\s;&|(])lakeward (.+)", line):
            words = shlex.split(match.group(1).split("|")[0].split(">")[0])
            yield words


def test_every_lakeward_command_and_option_the_templates_use_exists(
    pr: dict[Any, Any],
    deploy: dict[Any, Any],
    apply: dict[Any, Any],
    drift: dict[Any, Any],
    gitlab: dict[Any, Any],
) -> None:
    seen = set()
    for words in _lakeward_invocations(_all_commands(pr, deploy, apply, drift, gitlab=gitlab)):
        groups = {"config", "tenant", "evidence", "ci", "pipeline"}
        command = words[:2] if words[0] in groups else words[:1]
        shown = run_cli(*command, "--help", env={"COLUMNS": "200"})
        assert shown.exit_code == 0, (words, shown.stderr)
        for option in (word for word in words if word.startswith("--")):
            assert option in shown.stdout, (command, option)
        seen.add(" ".join(command))
    assert seen >= {
        "config validate",
        "tenant validate",
        "synth",
        "scan",
        "rehearse",
        "tenant plan",
        "ci summary",
        "evidence export",
        "evidence publish",
        "drift",
    }


def test_drift_runs_nightly_keeps_its_report_and_fails_on_drift(
    drift: dict[Any, Any], gitlab: dict[Any, Any]
) -> None:
    """docs/drift.md: exit 1 is drift or a failing live object, 2 bad input or unreadable objects."""
    assert drift["on"]["schedule"][0]["cron"]
    steps = drift["jobs"]["drift"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert (
        'lakeward drift --env "$ENVIRONMENT" --json --out "out/drift/$ENVIRONMENT.json" || status=$?' in runs
    )
    kept = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert kept["if"] == "${{ !cancelled() }}" and kept["with"]["path"].startswith("out/drift/")
    assert steps[-1]["if"] == "${{ steps.drift.outputs.status != '0' }}" and "exit 1" in steps[-1]["run"]
    assert drift["jobs"]["drift"]["environment"] == "${{ matrix.environment }}-plan"
    job = gitlab["lakeward:drift"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert 'lakeward drift --env "$ENVIRONMENT" --json --out "out/drift/$ENVIRONMENT.json"' in job["script"]
    assert job["artifacts"]["when"] == "always" and job["artifacts"]["paths"] == ["out/drift/"]
    assert "lakeward-drift.yml" in (REPO / "docs" / "ci.md").read_text(encoding="utf-8")


def test_a_scheduled_pipeline_never_deploys(gitlab: dict[Any, Any]) -> None:
    """A nightly schedule runs on the default branch: the deploy jobs also need a push."""
    deploys = [job for name, job in gitlab.items() if name.startswith(("dev:", "prod:"))]
    for job in [gitlab[".on-default-branch"], *(job for job in deploys if "rules" in job)]:
        assert all('$CI_PIPELINE_SOURCE == "push"' in rule["if"] for rule in job["rules"])


def test_the_pull_request_summary_fails_only_after_it_is_posted(
    pr: dict[Any, Any], gitlab: dict[Any, Any]
) -> None:
    """A failed stack plan fails the pull request; the summary says which, and which only wait."""
    steps = pr["jobs"]["summary"]["steps"]
    render = next(step for step in steps if step.get("id") == "render")
    assert "|| status=$?" in render["run"]
    assert steps[-1]["if"] == "${{ steps.render.outputs.status != '0' }}"
    script = gitlab["lakeward:summary"]["script"]
    assert script[-1] == 'exit "$summary_status"'
