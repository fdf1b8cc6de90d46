"""Where MLflow keeps runs, models, prompts and traces: a sqlite store and an artifact folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError

EXPERIMENT = "lakeward-rag"


def tracking_uri(folder: Path) -> str:
    return f"sqlite:///{(folder / 'mlflow.db').resolve()}"


def use_tracking(folder: Path, experiment: str = EXPERIMENT) -> str:
    """Point MLflow (tracking, registry, prompts, traces) at `folder`; return the experiment ID."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import logging

    import mlflow

    logging.getLogger("alembic").setLevel(logging.WARNING)
    folder.mkdir(parents=True, exist_ok=True)
    uri = tracking_uri(folder)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    existing = mlflow.get_experiment_by_name(experiment)
    if existing is None:
        experiment_id = mlflow.create_experiment(
            experiment, artifact_location=(folder / "artifacts").resolve().as_uri()
        )
    else:
        experiment_id = existing.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def default_tracking(lakehouse: Path) -> Path:
    """MLflow's folder beside the tables: `<lakehouse>/_mlflow`."""
    return lakehouse / "_mlflow"


def version_by_alias(tracking: Path, name: str, alias: str, field: str, fix: str) -> Any:
    """The registered version of model `name` under `alias`; a clear error naming `field` if none."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return MlflowClient().get_model_version_by_alias(name, alias)
    except MlflowException:
        raise LakewardError(
            f"model {name} has no `{alias}` version", source=str(tracking), field=field, fix=fix
        ) from None
