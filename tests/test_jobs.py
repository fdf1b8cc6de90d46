"""The workloads' jobs (pipeline, RAG, upkeep): run as the service principal, on policy-bound clusters,
retried and notified, each installing exactly the wheel and the requirements file the stack uploads."""

from __future__ import annotations

import hashlib
import importlib
import tomllib

import pytest

from conftest import REPO
from infra.config import Environment, load_environment
from infra.workspace.job_specs import job_specs, requirements_of
from stacks.names import WORKSPACE, stack_id
from tests.footprint import Synthesized, reference


@pytest.fixture(params=["dev", "prod"])
def case(
    request: pytest.FixtureRequest, synthesized: dict[str, Synthesized]
) -> tuple[Synthesized, Environment]:
    return synthesized[request.param], load_environment(request.param)


def _jobs(synth: Synthesized) -> dict[str, dict]:
    return {
        body["task"][0]["task_key"]: body for body in synth.resources("workspace", "databricks_job").values()
    }


PIPELINE = {"ingest", "embed", "index"}
JOBS = PIPELINE | {"evaluate", "release", "monitor", "maintain"}


def test_one_job_per_spec_runs_the_wheel_as_the_service_principal(
    case: tuple[Synthesized, Environment],
) -> None:
    synth, env = case
    jobs = _jobs(synth)
    assert set(jobs) == JOBS
    principal = next(iter(synth.resources("workspace", "databricks_service_principal")))
    for key, job in jobs.items():
        assert reference(job["run_as"]["service_principal_name"])[:2] == (
            "databricks_service_principal",
            principal,
        )
        [task] = job["task"]
        wheel = task["python_wheel_task"]
        assert (wheel["package_name"], wheel["entry_point"]) == ("lakeward", f"lakeward-{key}")
        named = wheel["named_parameters"]
        assert named.get("catalog", env.catalog.name) == env.catalog.name
        if key in PIPELINE:
            assert (named["schema"], named["engine"], named["tables"]) == ("curated", "spark", "catalog")
        verdict = key in ("release", "monitor")  # a failed gate or drift check is a verdict, not a fault
        assert task["max_retries"] == (0 if verdict else env.jobs.max_retries)
        assert task["retry_on_timeout"] is not verdict
        assert job["email_notifications"]["on_failure"] == env.jobs.notify_on_failure
        assert job["max_concurrent_runs"] == 1
        assert job["tags"]["Environment"] == env.name


def test_recurring_jobs_run_on_the_configured_schedules(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    schedules = {key: job.get("schedule") for key, job in _jobs(synth).items()}
    configured = {
        "ingest": env.jobs.ingest_schedule,
        "monitor": env.jobs.monitor_schedule,
        "maintain": env.jobs.upkeep_schedule,
    }
    for key, schedule in schedules.items():
        if key in configured:
            assert schedule == {"quartz_cron_expression": configured[key], "timezone_id": env.jobs.timezone}
        else:
            assert schedule is None, f"{key} runs when triggered (after ingestion, or by a person)"


def test_every_job_installs_exactly_the_uploaded_wheel(case: tuple[Synthesized, Environment]) -> None:
    """The upload's path is `/Volumes/<catalog>/raw/artifacts/<sha256>/<wheel>` and its source the
    asset copied beside the stack, so a job runs the code that was deployed."""
    synth, env = case
    [(name, upload)] = [
        (name, upload)
        for name, upload in synth.resources("workspace", "databricks_file").items()
        if upload["path"].endswith(".whl")
    ]
    path = upload["path"]
    prefix, digest, filename = path.rsplit("/", 2)
    assert prefix == f"/Volumes/{env.catalog.name}/raw/artifacts" and len(digest) == 64
    assert filename.startswith("lakeward-") and filename.endswith("-py3-none-any.whl")
    assert upload["source"].startswith("assets/") and upload["source"].endswith(f"/{digest}/{filename}")
    assert (synth.out / "stacks" / stack_id(env.name, WORKSPACE) / upload["source"]).is_file()
    assert upload["lifecycle"] == {"create_before_destroy": True}
    for key, job in _jobs(synth).items():
        assert [library["whl"] for library in job["task"][0]["library"] if "whl" in library] == [path], key
        assert f"databricks_file.{name}" in job["depends_on"], key


def test_every_job_installs_the_uploaded_requirements_of_its_extras(
    case: tuple[Synthesized, Environment],
) -> None:
    """Each task installs the requirements file of its spec's extras and runtime, uploaded to
    `/Volumes/<catalog>/raw/artifacts/<sha256 of its bytes>/requirements-<name>.txt` from an asset
    holding exactly `requirements_of`'s text; the job waits for that upload."""
    synth, env = case
    uploads = {
        upload["path"]: (name, upload)
        for name, upload in synth.resources("workspace", "databricks_file").items()
    }
    stack = synth.out / "stacks" / stack_id(env.name, WORKSPACE)
    jobs = _jobs(synth)
    for spec in job_specs(env):
        requirements = requirements_of(env, spec)
        path = requirements.volume_path(f"/Volumes/{env.catalog.name}/raw/artifacts")
        job = jobs[spec.key]
        assert [library.get("requirements") for library in job["task"][0]["library"]].count(path) == 1
        name, upload = uploads[path]
        source = (stack / upload["source"]).read_bytes()
        assert source == requirements.text.encode() and hashlib.sha256(source).hexdigest() in path
        assert upload["lifecycle"] == {"create_before_destroy": True}
        assert f"databricks_file.{name}" in job["depends_on"], spec.key
    names = {requirements_of(env, spec).name for spec in job_specs(env)}
    assert names == {"workloads", "workloads-ml", "workloads-rag"}, "pipeline (CPU and GPU ML) and RAG"


def test_every_entry_point_a_job_runs_is_a_script_of_the_wheel(case: tuple[Synthesized, Environment]) -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    for job in _jobs(case[0]).values():
        entry = job["task"][0]["python_wheel_task"]["entry_point"]
        module, function = scripts[entry].split(":")
        assert callable(getattr(importlib.import_module(module), function)), entry


def test_job_clusters_are_bound_to_policies_and_embedding_to_the_gpu_pool(
    case: tuple[Synthesized, Environment],
) -> None:
    synth, _ = case
    policies = {
        name: body["name"] for name, body in synth.resources("workspace", "databricks_cluster_policy").items()
    }
    pool = next(iter(synth.resources("workspace", "databricks_instance_pool")))
    for key, job in _jobs(synth).items():
        [cluster] = job["job_cluster"]
        new_cluster = cluster["new_cluster"]
        kind, name, attribute = reference(new_cluster["policy_id"])
        assert (kind, attribute) == ("databricks_cluster_policy", "policy_id")
        assert policies[name].endswith("-gpu-embedding" if key == "embed" else "-jobs")
        assert new_cluster["data_security_mode"] == "SINGLE_USER"
        assert new_cluster["apply_policy_default_values"] is True
        if key == "embed":
            assert reference(new_cluster["instance_pool_id"])[1] == pool
            assert reference(new_cluster["driver_instance_pool_id"])[1] == pool
            assert "node_type_id" not in new_cluster
        else:
            assert "instance_pool_id" not in new_cluster


def test_the_jobs_folders_are_volumes_the_stack_creates(case: tuple[Synthesized, Environment]) -> None:
    """--lakehouse (index, lineage, MLflow), --corpus and the held-out questions (in the evaluation
    schema) are in Unity Catalog volumes of this stack."""
    synth, env = case
    schemas = {name: body["name"] for name, body in synth.resources("workspace", "databricks_schema").items()}
    volumes = {
        f"/Volumes/{body['catalog_name']}/{schemas[reference(body['schema_name'])[1]]}/{body['name']}"
        for body in synth.resources("workspace", "databricks_volume").values()
    }
    for key, job in _jobs(synth).items():
        named = job["task"][0]["python_wheel_task"]["named_parameters"]
        if key != "maintain":  # upkeep works on the tables by name
            assert named["lakehouse"] == f"/Volumes/{env.catalog.name}/embeddings/index"
        assert {named[name] for name in ("lakehouse", "corpus") if name in named} <= volumes
        assert ("corpus" in named) == (key == "ingest")
    questions = _jobs(synth)["evaluate"]["task"][0]["python_wheel_task"]["named_parameters"]["questions"]
    assert questions.rsplit("/", 1)[0] == f"/Volumes/{env.catalog.name}/evaluation/heldout" in volumes


def test_upkeep_job_runs_the_maintenance_statements_through_spark(monkeypatch: pytest.MonkeyPatch) -> None:
    """`lakeward-maintain` runs exactly `workloads.maintenance.statements` on the job's session, and
    never vacuums under the retention time travel and change data feed readers need."""
    import workloads.engines.spark
    from workloads.jobs import maintain
    from workloads.maintenance import MIN_RETAIN_HOURS, statements

    ran: list[str] = []

    class Session:
        def sql(self, statement: str) -> None:
            ran.append(statement)

    monkeypatch.setattr(workloads.engines.spark, "spark_session", Session)
    result = maintain(["--catalog=llm_prod", "--schema=curated", "--retain-hours=1"])
    assert ran == result["statements"] == statements("llm_prod", "curated")
    assert any(s.startswith("OPTIMIZE `llm_prod`.`curated`.`chunks` ZORDER BY") for s in ran)
    assert all(f"RETAIN {MIN_RETAIN_HOURS} HOURS" in s for s in ran if s.startswith("VACUUM"))
