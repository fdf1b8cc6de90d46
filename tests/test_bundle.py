"""`lakeward bundle`: a Databricks Asset Bundle of the wheel and the jobs, the same jobs the stacks
define, checked against the `databricks-bundles` package's types (databricks.bundles.jobs.Job)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from databricks.bundles.jobs import Job

from lakeward.bundle import BUNDLE_FILE, write_bundle
from lakeward.wheel import file_sha256, project_wheel
from tests.cli import run_cli
from tests.footprint import Synthesized, reference, stand_in_wheel


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("bundle")
    write_bundle("dev", root / "out", wheel=stand_in_wheel(root))
    return yaml.safe_load((root / "out" / BUNDLE_FILE).read_text(encoding="utf-8"))


def test_cli_writes_the_bundle_with_the_wheel_the_stacks_upload(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    result = run_cli("bundle", "--env", "prod", "--out", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    wheel = project_wheel()
    assert payload["default_target"] == "prod" and payload["targets"] == ["prod", "dev"]
    assert payload["wheel"]["sha256"] == wheel.sha256 == file_sha256(out / "dist" / wheel.filename)
    document = yaml.safe_load((out / BUNDLE_FILE).read_text(encoding="utf-8"))
    assert document["artifacts"]["lakeward"] == {
        "type": "whl",
        "files": [{"source": f"dist/{wheel.filename}"}],
    }
    assert document["targets"]["prod"]["default"] is True and "default" not in document["targets"]["dev"]
    installed = {
        library["requirements"]
        for target in document["targets"].values()
        for job in target["resources"]["jobs"].values()
        for library in job["tasks"][0]["libraries"]
        if "requirements" in library
    }
    written = {f"./dist/{path.name}" for path in (out / "dist").glob("requirements-*.txt")}
    assert installed == written, "the bundle carries exactly the requirements files its tasks install"
    assert not list(tmp_path.glob(".bundle.*")), "no staging folder is left behind"


def test_every_job_is_a_valid_bundle_job(bundle: dict[str, Any]) -> None:
    """`Job.from_dict` refuses unknown fields and wrong types; the round trip loses nothing."""
    for name, target in bundle["targets"].items():
        jobs = target["resources"]["jobs"]
        assert set(jobs) == {"ingest", "embed", "index", "evaluate", "release", "monitor", "maintain"}, name
        for key, job in jobs.items():
            assert Job.from_dict(job).as_dict() == job, key


def test_targets_upload_by_digest_and_run_as_the_service_principal(bundle: dict[str, Any]) -> None:
    for name, target in bundle["targets"].items():
        catalog = {"dev": "llm_dev", "prod": "llm_prod"}[name]
        prefix, digest = target["workspace"]["artifact_path"].rsplit("/", 1)
        assert prefix == f"/Volumes/{catalog}/raw/artifacts" and len(digest) == 64
        assert target["mode"] == "production"
        assert target["run_as"] == {"service_principal_name": "${var.jobs_service_principal}"}
        for job in target["resources"]["jobs"].values():
            [task] = job["tasks"]
            requirements, wheel = task["libraries"]
            assert wheel == {"whl": f"./{bundle['artifacts']['lakeward']['files'][0]['source']}"}
            assert re.fullmatch(r"\./dist/requirements-[a-z-]+\.txt", requirements["requirements"])
            assert job["run_as"] == target["run_as"]


def _without_ids(cluster: dict[str, Any]) -> dict[str, Any]:
    ids = ("policy_id", "instance_pool_id", "driver_instance_pool_id", "single_user_name")
    return {key: value for key, value in cluster.items() if key not in ids}


def test_the_bundle_jobs_are_the_stack_jobs(bundle: dict[str, Any], dev: Synthesized) -> None:
    """Same tasks, parameters, schedules, retries and clusters; the policies, pool and principal the
    bundle looks up by name are the ones the workspace stack creates under those names."""
    target = bundle["targets"]["dev"]
    stack_jobs = {
        body["task"][0]["task_key"]: body for body in dev.resources("workspace", "databricks_job").values()
    }
    names = {
        "cluster_policy": {
            name: body["name"]
            for name, body in dev.resources("workspace", "databricks_cluster_policy").items()
        },
        "instance_pool": {
            name: body["instance_pool_name"]
            for name, body in dev.resources("workspace", "databricks_instance_pool").items()
        },
        "service_principal": {
            name: body["display_name"]
            for name, body in dev.resources("workspace", "databricks_service_principal").items()
        },
    }
    lookups = {var: next(iter(spec["lookup"].items())) for var, spec in target["variables"].items()}
    for key, job in target["resources"]["jobs"].items():
        stack = stack_jobs[key]
        [task], [stack_task] = job["tasks"], stack["task"]
        for field in ("python_wheel_task", "max_retries", "retry_on_timeout", "timeout_seconds"):
            assert task[field] == stack_task[field], (key, field)
        assert job.get("schedule") == stack.get("schedule"), key
        assert job["email_notifications"] == stack["email_notifications"]
        [cluster], [stack_cluster] = job["job_clusters"], stack["job_cluster"]
        assert _without_ids(cluster["new_cluster"]) == _without_ids(stack_cluster["new_cluster"]), key
        for field in ("policy_id", "instance_pool_id", "single_user_name"):
            if field not in cluster["new_cluster"]:
                continue
            variable = cluster["new_cluster"][field].removeprefix("${var.").removesuffix("}")
            kind, looked_up = lookups[variable]
            resource = reference(stack_cluster["new_cluster"][field])[1]
            assert names[kind][resource] == looked_up, (key, field)
