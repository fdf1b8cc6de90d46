"""The pipeline's Databricks jobs: ingest, embed and index, each running the packaged wheel as the jobs
service principal on a job cluster bound to a cluster policy (the GPU pool for embedding)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_databricks.job import (
    Job,
    JobEmailNotifications,
    JobJobCluster,
    JobJobClusterNewCluster,
    JobQueue,
    JobRunAs,
    JobSchedule,
    JobTask,
    JobTaskLibrary,
    JobTaskPythonWheelTask,
)
from cdktn_provider_databricks.volume import Volume
from constructs import Construct

from infra.config import Environment
from lakeward import __version__

# Entry points of the lakeward wheel (pyproject.toml [project.scripts]), one per stage.
STAGES = ("ingest", "embed", "index")


@dataclass(frozen=True)
class JobCompute:
    """Where each stage may run: policy IDs, the GPU pool, and the principal it runs as."""

    cpu_policy_id: str
    gpu_policy_id: str
    gpu_pool_id: str
    service_principal: str


class PipelineJobs(Construct):
    """Volumes for the wheel, the landing zone and the index, and one job per pipeline stage."""

    def __init__(
        self, scope: Construct, id_: str, *, env: Environment, compute: JobCompute, schemas: dict
    ) -> None:
        super().__init__(scope, id_)
        catalog = env.catalog.name
        volumes = {
            name: Volume(
                self,
                f"volume-{name}",
                catalog_name=catalog,
                schema_name=schemas[schema].name,
                name=name,
                volume_type="MANAGED",
                owner=env.groups.admins,
                comment=comment,
            )
            for name, schema, comment in (
                ("artifacts", "raw", "the lakeward wheel the jobs install"),
                ("landing", "raw", "documents dropped for ingestion"),
                ("index", "embeddings", "BM25 and HNSW index artifacts"),
            )
        }
        self.wheel = f"/Volumes/{catalog}/raw/artifacts/lakeward-{__version__}-py3-none-any.whl"
        # The tables are Unity Catalog tables `<catalog>.curated.*`, MERGEd through the job's Spark
        # session; the index and the lineage events go to the `index` volume.
        parameters = {
            "catalog": catalog,
            "schema": "curated",
            "lakehouse": f"/Volumes/{catalog}/embeddings/index",
            "engine": "spark",
            "tables": "catalog",
        }
        self.jobs = {
            stage: self._job(env, compute, stage, parameters, depends_on=list(volumes.values()))
            for stage in STAGES
        }

    def _job(
        self, env: Environment, compute: JobCompute, stage: str, parameters: dict[str, str], depends_on: list
    ) -> Job:
        gpu = stage == "embed"
        cluster = JobJobClusterNewCluster(
            spark_version=env.gpu.runtime if gpu else env.compute.runtimes[0],
            policy_id=compute.gpu_policy_id if gpu else compute.cpu_policy_id,
            apply_policy_default_values=True,
            data_security_mode="SINGLE_USER",
            single_user_name=compute.service_principal,
            num_workers=env.gpu.max_workers if gpu else min(2, env.compute.max_workers),
            instance_pool_id=compute.gpu_pool_id if gpu else None,
            driver_instance_pool_id=compute.gpu_pool_id if gpu else None,
            node_type_id=None if gpu else env.compute.node_types[0],
            enable_local_disk_encryption=True,
            custom_tags={"Stage": stage},
        )
        named = dict(parameters)
        if stage == "ingest":
            named["corpus"] = f"/Volumes/{env.catalog.name}/raw/landing"
        if gpu:
            named["precision"] = "bf16"
        jobs = env.jobs
        return Job(
            self,
            f"job-{stage}",
            name=f"{env.prefix}-{stage}",
            description=f"Lakeward pipeline stage: {stage}",
            run_as=JobRunAs(service_principal_name=compute.service_principal),
            max_concurrent_runs=1,
            queue=JobQueue(enabled=True),
            job_cluster=[JobJobCluster(job_cluster_key=f"{stage}-cluster", new_cluster=cluster)],
            task=[
                JobTask(
                    task_key=stage,
                    job_cluster_key=f"{stage}-cluster",
                    python_wheel_task=JobTaskPythonWheelTask(
                        package_name="lakeward", entry_point=f"lakeward-{stage}", named_parameters=named
                    ),
                    library=[JobTaskLibrary(whl=self.wheel)],
                    max_retries=jobs.max_retries,
                    min_retry_interval_millis=60_000,
                    retry_on_timeout=True,
                    timeout_seconds=jobs.timeout_minutes * 60,
                )
            ],
            email_notifications=JobEmailNotifications(
                on_failure=jobs.notify_on_failure, no_alert_for_skipped_runs=True
            ),
            schedule=(
                JobSchedule(quartz_cron_expression=jobs.ingest_schedule, timezone_id=jobs.timezone)
                if stage == "ingest"
                else None
            ),
            tags={},
            depends_on=depends_on,
        )
