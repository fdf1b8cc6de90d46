"""The workloads' Databricks jobs, rendered from `infra.workspace.job_specs`: each runs an entry
point of the uploaded wheel as the jobs service principal on a job cluster bound to a cluster policy
(the GPU pool for embedding), and installs exactly the wheel and requirements paths the upload
resources created."""

from __future__ import annotations

from functools import partial
from typing import Any

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
from infra.workspace.artifacts import RequirementsUpload, WheelUpload
from infra.workspace.job_specs import (
    VOLUMES,
    JobCompute,
    JobSpec,
    job_settings,
    job_specs,
    requirements_of,
    volume_path,
)
from lakeward.wheel import Wheel


class PipelineJobs(Construct):
    """The jobs' volumes, the wheel and each job's requirements file uploaded into the artifacts
    volume, and one job per spec."""

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
        artifacts = volume_path(catalog, "artifacts")
        self.upload = WheelUpload(
            self, "artifact", wheel=wheel, volume=volumes["artifacts"], volume_path=artifacts
        )
        self.wheel = self.upload.path
        specs = job_specs(env)
        needed = {
            requirements.name: requirements for requirements in map(partial(requirements_of, env), specs)
        }
        self.requirements = {
            name: RequirementsUpload(
                self,
                f"requirements-{name}",
                requirements=requirements,
                volume=volumes["artifacts"],
                volume_path=artifacts,
            )
            for name, requirements in needed.items()
        }
        self.jobs = {
            spec.key: self._job(env, compute, spec, [*volumes.values(), self.upload.file]) for spec in specs
        }

    def _job(self, env: Environment, compute: JobCompute, spec: JobSpec, depends_on: list) -> Job:
        requirements = self.requirements[requirements_of(env, spec).name]
        settings = job_settings(env, spec, compute, self.wheel, requirements.path)
        depends_on = [*depends_on, requirements.file]
        schedule = settings.get("schedule")
        return Job(
            self,
            f"job-{spec.key}",
            name=settings["name"],
            description=settings["description"],
            run_as=JobRunAs(**settings["run_as"]),
            max_concurrent_runs=settings["max_concurrent_runs"],
            queue=JobQueue(**settings["queue"]),
            job_cluster=[
                JobJobCluster(
                    job_cluster_key=cluster["job_cluster_key"],
                    new_cluster=JobJobClusterNewCluster(**cluster["new_cluster"]),
                )
                for cluster in settings["job_clusters"]
            ],
            task=[_task(task) for task in settings["tasks"]],
            email_notifications=JobEmailNotifications(**settings["email_notifications"]),
            schedule=JobSchedule(**schedule) if schedule else None,
            tags={},
            depends_on=depends_on,
        )


def _task(task: dict[str, Any]) -> JobTask:
    """A task of the Jobs API's shape as the provider's block (`library`, singular, for `libraries`;
    a `requirements` library is "Path to requirements.txt", supported on DBR 15.0+:
    https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/job)."""
    fields = {key: value for key, value in task.items() if key not in ("python_wheel_task", "libraries")}
    return JobTask(
        **fields,
        python_wheel_task=JobTaskPythonWheelTask(**task["python_wheel_task"]),
        library=[JobTaskLibrary(**library) for library in task["libraries"]],
    )
