"""Every place a cluster specification can sit in a job, a pipeline or a cluster resource.

Per the Databricks provider: `databricks_cluster` is itself one; `databricks_pipeline` holds `cluster`
blocks; `databricks_job` holds the legacy top-level `new_cluster`, `job_cluster[].new_cluster`,
`task[].new_cluster` and the same inside `task[].for_each_task.task`. A job or task may instead point
at an all-purpose cluster with `existing_cluster_id`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import Resource, as_blocks

CLUSTER_HOLDERS = ("databricks_job", "databricks_pipeline", "databricks_cluster")


def cluster_specs(resource: Resource) -> Iterator[tuple[str, dict[str, Any]]]:
    """`(where, specification)` for each cluster specification the resource holds."""
    if resource.type == "databricks_cluster":
        yield "the cluster", resource.attributes
    elif resource.type == "databricks_pipeline":
        for index, cluster in enumerate(resource.blocks("cluster")):
            yield f"cluster {cluster.get('label', index)}", cluster
    elif resource.type == "databricks_job":
        for new in resource.blocks("new_cluster"):
            yield "new_cluster", new
        for cluster in resource.blocks("job_cluster"):
            for new in as_blocks(cluster.get("new_cluster")):
                yield f"job_cluster {cluster.get('job_cluster_key', '?')}", new
        for task in resource.blocks("task"):
            yield from _task_specs(task, "task")


def existing_clusters(resource: Resource) -> Iterator[str]:
    """Where a job runs on an all-purpose cluster instead of a cluster of its own."""
    if resource.type != "databricks_job":
        return
    if resource.get("existing_cluster_id"):
        yield "the job"
    for task in resource.blocks("task"):
        yield from _task_existing(task, "task")


def _task_specs(task: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    key = task.get("task_key", "?")
    for new in as_blocks(task.get("new_cluster")):
        yield f"{where} {key} new_cluster", new
    for loop in as_blocks(task.get("for_each_task")):
        for inner in as_blocks(loop.get("task")):
            yield from _task_specs(inner, f"for_each_task of {where} {key}: task")


def _task_existing(task: dict[str, Any], where: str) -> Iterator[str]:
    key = task.get("task_key", "?")
    if task.get("existing_cluster_id"):
        yield f"{where} {key}"
    for loop in as_blocks(task.get("for_each_task")):
        for inner in as_blocks(loop.get("task")):
            yield from _task_existing(inner, f"for_each_task of {where} {key}: task")
