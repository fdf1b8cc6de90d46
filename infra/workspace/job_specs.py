"""What each Databricks job runs, on what and when: the one list of job specifications, and the one
function that turns a specification into job settings in the Jobs API's shape, which the workspace
stack renders as Terraform (`infra.workspace.jobs`) and `lakeward bundle` writes into an Asset Bundle,
so both deploy the same jobs.

Every job runs one entry point of the lakeward wheel (pyproject.toml [project.scripts]), with the
requirements file of the extras it imports installed beside it (`lakeward.job_requirements`), as the jobs
service principal on a job cluster bound to a cluster policy: the pipeline stages (ingest, embed on
the GPU pool, index), the RAG jobs (evaluation on the held-out set, the release gate, the drift
monitor) and table upkeep. Plain data, no CDK: the caller names the policies, pool and principal
(Terraform references in the stack, variables looked up by name in the bundle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.config import Environment
from lakeward.job_requirements import Requirements, job_requirements

# Unity Catalog volumes the jobs read and write: (name, schema, comment).
VOLUMES = (
    (
        "artifacts",
        "raw",
        "the lakeward wheels and requirements files the jobs install, one folder per SHA-256",
    ),
    ("landing", "raw", "documents dropped for ingestion"),
    ("index", "embeddings", "BM25 and HNSW index artifacts, lineage events and the MLflow store"),
    ("heldout", "evaluation", "the held-out questions the evaluation job scores the model on"),
)
HELDOUT_QUESTIONS = "questions.jsonl"


def volume_path(catalog: str, name: str) -> str:
    """`/Volumes/<catalog>/<schema>/<name>` of one of `VOLUMES`."""
    [schema] = [schema for volume, schema, _ in VOLUMES if volume == name]
    return f"/Volumes/{catalog}/{schema}/{name}"


@dataclass(frozen=True)
class JobSpec:
    """One job: its key (task and cluster are named after it), what it does, the wheel entry point's
    named parameters, whether it runs on the GPU pool, its Quartz schedule if it recurs, whether a
    failed run is retried (not when the failure is the job's verdict, as with a gate or a drift check)
    and the pyproject.toml extras its entry point imports."""

    key: str
    description: str
    parameters: dict[str, str]
    gpu: bool = False
    schedule: str | None = None
    retry: bool = True
    extras: tuple[str, ...] = ("workloads",)

    @property
    def entry_point(self) -> str:
        return f"lakeward-{self.key}"

    @property
    def cluster_key(self) -> str:
        return f"{self.key}-cluster"


@dataclass(frozen=True)
class JobCompute:
    """Where jobs may run and as whom: the cluster policies, the GPU pool and the service principal's
    application ID, as the deploy tool names them."""

    cpu_policy_id: str
    gpu_policy_id: str
    gpu_pool_id: str
    service_principal: str


def spark_version(env: Environment, spec: JobSpec) -> str:
    """GPU jobs take the GPU (ML) runtime, the rest the first allowed runtime."""
    return env.gpu.runtime if spec.gpu else env.compute.runtimes[0]


def requirements_of(env: Environment, spec: JobSpec) -> Requirements:
    """The requirements file the job installs: its extras, less what its runtime provides."""
    return job_requirements(spec.extras, ml_runtime="-ml-" in spark_version(env, spec))


def _cluster(env: Environment, spec: JobSpec, compute: JobCompute) -> dict[str, Any]:
    """GPU jobs take the GPU runtime and pool (no node type of their own); the rest a small CPU cluster."""
    cluster: dict[str, Any] = {
        "spark_version": spark_version(env, spec),
        "policy_id": compute.gpu_policy_id if spec.gpu else compute.cpu_policy_id,
        "apply_policy_default_values": True,
        "data_security_mode": "SINGLE_USER",
        "single_user_name": compute.service_principal,
        "num_workers": env.gpu.max_workers if spec.gpu else min(2, env.compute.max_workers),
        "enable_local_disk_encryption": True,
        "custom_tags": {"Stage": spec.key},
    }
    if spec.gpu:
        cluster |= {"instance_pool_id": compute.gpu_pool_id, "driver_instance_pool_id": compute.gpu_pool_id}
    else:
        cluster["node_type_id"] = env.compute.node_types[0]
    return cluster


def job_settings(
    env: Environment, spec: JobSpec, compute: JobCompute, wheel: str, requirements: str
) -> dict[str, Any]:
    """The job's settings as the Jobs API (and an Asset Bundle) takes them: one task running the
    spec's entry point of the wheel at `wheel`, with the requirements file at `requirements`
    (`requirements_of`) installed beside it, as the service principal, on a policy-bound cluster."""
    jobs = env.jobs
    settings: dict[str, Any] = {
        "name": f"{env.prefix}-{spec.key}",
        "description": spec.description,
        "run_as": {"service_principal_name": compute.service_principal},
        "max_concurrent_runs": 1,
        "queue": {"enabled": True},
        "job_clusters": [{"job_cluster_key": spec.cluster_key, "new_cluster": _cluster(env, spec, compute)}],
        "tasks": [
            {
                "task_key": spec.key,
                "job_cluster_key": spec.cluster_key,
                "python_wheel_task": {
                    "package_name": "lakeward",
                    "entry_point": spec.entry_point,
                    "named_parameters": spec.parameters,
                },
                "libraries": [{"requirements": requirements}, {"whl": wheel}],
                "max_retries": jobs.max_retries if spec.retry else 0,
                "min_retry_interval_millis": 60_000,
                "retry_on_timeout": spec.retry,
                "timeout_seconds": jobs.timeout_minutes * 60,
            }
        ],
        "email_notifications": {"on_failure": jobs.notify_on_failure, "no_alert_for_skipped_runs": True},
    }
    if spec.schedule:
        settings["schedule"] = {"quartz_cron_expression": spec.schedule, "timezone_id": jobs.timezone}
    return settings


def job_specs(env: Environment) -> list[JobSpec]:
    """Every job of `env`, pipeline first."""
    catalog, schedules = env.catalog.name, env.jobs
    # The tables are Unity Catalog tables `<catalog>.curated.*`, MERGEd through the job's Spark
    # session; the index, the lineage events and the MLflow store live in the `index` volume.
    lakehouse = volume_path(catalog, "index")
    tables = {"catalog": catalog, "schema": "curated"}
    pipeline = {**tables, "lakehouse": lakehouse, "engine": "spark", "tables": "catalog"}
    # workloads.rag.jobs, the RAG jobs' entry points, also import the `rag` extra (MLflow).
    rag = ("workloads", "rag")
    return [
        JobSpec(
            "ingest",
            "Lakeward pipeline stage: ingest",
            {**pipeline, "corpus": volume_path(catalog, "landing")},
            schedule=schedules.ingest_schedule,
        ),
        JobSpec("embed", "Lakeward pipeline stage: embed", {**pipeline, "precision": "bf16"}, gpu=True),
        JobSpec("index", "Lakeward pipeline stage: index", pipeline),
        JobSpec(
            "evaluate",
            "Score the RAG model on the held-out questions and register it as the candidate",
            {
                **tables,
                "lakehouse": lakehouse,
                "questions": f"{volume_path(catalog, 'heldout')}/{HELDOUT_QUESTIONS}",
            },
            extras=rag,
        ),
        JobSpec(
            "release",
            "Promote the candidate to champion only when the release thresholds hold",
            {**tables, "lakehouse": lakehouse},
            retry=False,
            extras=rag,
        ),
        JobSpec(
            "monitor",
            "Compare recent requests with the reference window; fail when a signal drifts",
            {"lakehouse": lakehouse},
            schedule=schedules.monitor_schedule,
            retry=False,
            extras=rag,
        ),
        JobSpec(
            "maintain",
            "Table upkeep: OPTIMIZE ZORDER BY the retrieval columns, then VACUUM",
            tables,
            schedule=schedules.upkeep_schedule,
        ),
    ]
