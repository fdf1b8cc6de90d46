"""The workloads' Databricks jobs, rendered from `infra.workspace.job_specs`: each runs an entry
point of the uploaded wheel as the jobs service principal on a job cluster bound to a cluster policy
(the GPU pool for embedding), and installs exactly the wheel path the upload resource created."""

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
from infra.workspace.artifacts import WheelUpload
from infra.workspace.job_specs import VOLUMES, JobSpec, cluster_shape, job_specs, volume_path
from lakeward.wheel import Wheel


@dataclass(frozen=True)
class JobCompute:
    """Where each job may run: policy IDs, the GPU pool, and the principal it runs as."""

    cpu_policy_id: str
    gpu_policy_id: str
    gpu_pool_id: str
    service_principal: str


class PipelineJobs(Construct):
    """The jobs' volumes, the wheel uploaded into the artifacts volume, and one job per spec."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        compute: JobCompute,
        schemas: dict,
        wheel: Wheel,
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
            for name, schema, comment in VOLUMES
        }
        self.upload = WheelUpload(
            self,
            "artifact",
            wheel=wheel,
            volume=volumes["artifacts"],
            volume_path=volume_path(catalog, "artifacts"),
        )
        self.wheel = self.upload.path
        depends_on = [*volumes.values(), self.upload.file]
        self.jobs = {spec.key: self._job(env, compute, spec, depends_on) for spec in job_specs(env)}

    def _job(self, env: Environment, compute: JobCompute, spec: JobSpec, depends_on: list) -> Job:
        shape = cluster_shape(env, spec)
        cluster = JobJobClusterNewCluster(
            spark_version=shape.spark_version,
            policy_id=compute.gpu_policy_id if spec.gpu else compute.cpu_policy_id,
            apply_policy_default_values=True,
            data_security_mode="SINGLE_USER",
            single_user_name=compute.service_principal,
            num_workers=shape.num_workers,
            instance_pool_id=compute.gpu_pool_id if spec.gpu else None,
            driver_instance_pool_id=compute.gpu_pool_id if spec.gpu else None,
            node_type_id=shape.node_type_id,
            enable_local_disk_encryption=True,
            custom_tags=shape.custom_tags,
        )
        jobs = env.jobs
        return Job(
            self,
            f"job-{spec.key}",
            name=f"{env.prefix}-{spec.key}",
            description=spec.description,
            run_as=JobRunAs(service_principal_name=compute.service_principal),
            max_concurrent_runs=1,
            queue=JobQueue(enabled=True),
            job_cluster=[JobJobCluster(job_cluster_key=spec.cluster_key, new_cluster=cluster)],
            task=[
                JobTask(
                    task_key=spec.key,
                    job_cluster_key=spec.cluster_key,
                    python_wheel_task=JobTaskPythonWheelTask(
                        package_name="lakeward",
                        entry_point=spec.entry_point,
                        named_parameters=spec.parameters,
                    ),
                    library=[JobTaskLibrary(whl=self.wheel)],
                    max_retries=jobs.max_retries if spec.retry else 0,
                    min_retry_interval_millis=60_000,
                    retry_on_timeout=spec.retry,
                    timeout_seconds=jobs.timeout_minutes * 60,
                )
            ],
            email_notifications=JobEmailNotifications(
                on_failure=jobs.notify_on_failure, no_alert_for_skipped_runs=True
            ),
            schedule=(
                JobSchedule(quartz_cron_expression=spec.schedule, timezone_id=jobs.timezone)
                if spec.schedule
                else None
            ),
            tags={},
            depends_on=depends_on,
        )
