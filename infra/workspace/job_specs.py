"""What each Databricks job runs, on what and when: the one list of job specifications that the
workspace stack renders as Terraform (`infra.workspace.jobs`) and `lakeward bundle` renders as an
Asset Bundle, so both deploy the same jobs.

Every job runs one entry point of the lakeward wheel (pyproject.toml [project.scripts]) as the jobs
service principal on a job cluster bound to a cluster policy: the pipeline stages (ingest, embed on
the GPU pool, index), the RAG jobs (evaluation on the held-out set, the release gate, the drift
monitor) and table upkeep. Plain data, no CDK: renderers add the policy, pool and principal.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.config import Environment

# Unity Catalog volumes the jobs read and write: (name, schema, comment).
VOLUMES = (
    ("artifacts", "raw", "the lakeward wheels the jobs install, one folder per SHA-256"),
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
    named parameters, whether it runs on the GPU pool, its Quartz schedule if it recurs, and whether a
    failed run is retried (not when the failure is the job's verdict, as with a gate or a drift check)."""

    key: str
    description: str
    parameters: dict[str, str]
    gpu: bool = False
    schedule: str | None = None
    retry: bool = True

    @property
    def entry_point(self) -> str:
        return f"lakeward-{self.key}"

    @property
    def cluster_key(self) -> str:
        return f"{self.key}-cluster"


@dataclass(frozen=True)
class ClusterShape:
    """A job cluster's settings that do not depend on the deploy tool."""

    spark_version: str
    num_workers: int
    node_type_id: str | None
    custom_tags: dict[str, str]


def cluster_shape(env: Environment, spec: JobSpec) -> ClusterShape:
    """GPU jobs take the GPU runtime and pool (no node type of their own); the rest a small CPU cluster."""
    if spec.gpu:
        return ClusterShape(env.gpu.runtime, env.gpu.max_workers, None, {"Stage": spec.key})
    return ClusterShape(
        env.compute.runtimes[0],
        min(2, env.compute.max_workers),
        env.compute.node_types[0],
        {"Stage": spec.key},
    )


def job_specs(env: Environment) -> list[JobSpec]:
    """Every job of `env`, pipeline first."""
    catalog, schedules = env.catalog.name, env.jobs
    # The tables are Unity Catalog tables `<catalog>.curated.*`, MERGEd through the job's Spark
    # session; the index, the lineage events and the MLflow store live in the `index` volume.
    lakehouse = volume_path(catalog, "index")
    tables = {"catalog": catalog, "schema": "curated"}
    pipeline = {**tables, "lakehouse": lakehouse, "engine": "spark", "tables": "catalog"}
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
        ),
        JobSpec(
            "release",
            "Promote the candidate to champion only when the release thresholds hold",
            {**tables, "lakehouse": lakehouse},
            retry=False,
        ),
        JobSpec(
            "monitor",
            "Compare recent requests with the reference window; fail when a signal drifts",
            {"lakehouse": lakehouse},
            schedule=schedules.monitor_schedule,
            retry=False,
        ),
        JobSpec(
            "maintain",
            "Table upkeep: OPTIMIZE ZORDER BY the retrieval columns, then VACUUM",
            tables,
            schedule=schedules.upkeep_schedule,
        ),
    ]
