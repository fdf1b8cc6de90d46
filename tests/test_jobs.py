"""Pipeline jobs: run as the service principal, on policy-bound clusters, retried and notified."""

from __future__ import annotations

import pytest

from infra.config import Environment, load_environment
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


def test_one_job_per_stage_runs_the_wheel_as_the_service_principal(
    case: tuple[Synthesized, Environment],
) -> None:
    synth, env = case
    jobs = _jobs(synth)
    assert set(jobs) == {"ingest", "embed", "index"}
    principal = next(iter(synth.resources("workspace", "databricks_service_principal")))
    for stage, job in jobs.items():
        assert reference(job["run_as"]["service_principal_name"])[:2] == (
            "databricks_service_principal",
            principal,
        )
        [task] = job["task"]
        wheel = task["python_wheel_task"]
        assert (wheel["package_name"], wheel["entry_point"]) == ("lakeward", f"lakeward-{stage}")
        named = wheel["named_parameters"]
        assert named["catalog"] == env.catalog.name
        assert (named["schema"], named["engine"], named["tables"]) == ("curated", "spark", "catalog")
        assert task["library"][0]["whl"].startswith(f"/Volumes/{env.catalog.name}/raw/artifacts/lakeward-")
        assert task["max_retries"] == env.jobs.max_retries and task["retry_on_timeout"] is True
        assert job["email_notifications"]["on_failure"] == env.jobs.notify_on_failure
        assert job["max_concurrent_runs"] == 1
        assert job["tags"]["Environment"] == env.name
    assert jobs["ingest"]["schedule"]["quartz_cron_expression"] == env.jobs.ingest_schedule


def test_job_clusters_are_bound_to_policies_and_embedding_to_the_gpu_pool(
    case: tuple[Synthesized, Environment],
) -> None:
    synth, _ = case
    policies = {
        name: body["name"] for name, body in synth.resources("workspace", "databricks_cluster_policy").items()
    }
    pool = next(iter(synth.resources("workspace", "databricks_instance_pool")))
    for stage, job in _jobs(synth).items():
        [cluster] = job["job_cluster"]
        new_cluster = cluster["new_cluster"]
        kind, name, attribute = reference(new_cluster["policy_id"])
        assert (kind, attribute) == ("databricks_cluster_policy", "policy_id")
        assert policies[name].endswith("-gpu-embedding" if stage == "embed" else "-jobs")
        assert new_cluster["data_security_mode"] == "SINGLE_USER"
        assert new_cluster["apply_policy_default_values"] is True
        if stage == "embed":
            assert reference(new_cluster["instance_pool_id"])[1] == pool
            assert reference(new_cluster["driver_instance_pool_id"])[1] == pool
            assert "node_type_id" not in new_cluster
        else:
            assert "instance_pool_id" not in new_cluster


def test_the_jobs_folders_are_volumes_the_stack_creates(case: tuple[Synthesized, Environment]) -> None:
    """--lakehouse (index and lineage) and --corpus name Unity Catalog volumes of this stack."""
    synth, env = case
    schemas = {name: body["name"] for name, body in synth.resources("workspace", "databricks_schema").items()}
    volumes = {
        f"/Volumes/{body['catalog_name']}/{schemas[reference(body['schema_name'])[1]]}/{body['name']}"
        for body in synth.resources("workspace", "databricks_volume").values()
    }
    for stage, job in _jobs(synth).items():
        named = job["task"][0]["python_wheel_task"]["named_parameters"]
        assert named["lakehouse"] == f"/Volumes/{env.catalog.name}/embeddings/index"
        assert {named[key] for key in ("lakehouse", "corpus") if key in named} <= volumes
        assert ("corpus" in named) == (stage == "ingest")
