"""Model versions and aliases, prompt versions and aliases, and evaluation runs from an MLflow store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lakeward.errors import LakewardError
from lakeward.evidence.items import Item, not_evaluated, parse_time
from lakeward.evidence.verifier import canonical_json

MAX_RUNS = 1000


def _client(uri: str) -> Any:
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise LakewardError(
            "MLflow is not installed", field="--mlflow-uri", fix='pip install -e ".[evidence]"'
        ) from None
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _models(client: Any) -> list[dict[str, Any]]:
    models = []
    for model in client.search_registered_models(max_results=1000):
        versions = client.search_model_versions(f"name='{model.name}'")
        models.append(
            {
                "name": model.name,
                "aliases": dict(sorted((alias, str(v)) for alias, v in model.aliases.items())),
                "versions": sorted(
                    (
                        {
                            "version": str(v.version),
                            "status": v.status,
                            "run_id": v.run_id,
                            "source": v.source,
                            "created": v.creation_timestamp,
                            "tags": dict(sorted(v.tags.items())),
                        }
                        for v in versions
                    ),
                    key=lambda v: int(v["version"]),
                ),
            }
        )
    return models


def _prompts(client: Any) -> list[dict[str, Any]]:
    prompts = []
    for prompt in client.search_prompts(max_results=1000):
        versions = [
            client.get_prompt_version(prompt.name, v.version)
            for v in client.search_prompt_versions(prompt.name)
        ]
        aliases = {alias: str(v.version) for v in versions for alias in v.aliases}
        prompts.append(
            {
                "name": prompt.name,
                "aliases": dict(sorted(aliases.items())),
                "versions": sorted(
                    (
                        {"version": str(v.version), "template": v.template, "created": v.creation_timestamp}
                        for v in versions
                    ),
                    key=lambda v: int(v["version"]),
                ),
            }
        )
    return prompts


def _evaluations(client: Any) -> list[dict[str, Any]]:
    experiments = {e.experiment_id: e.name for e in client.search_experiments()}
    runs = client.search_runs(list(experiments), max_results=MAX_RUNS, order_by=["attributes.start_time ASC"])
    return [
        {
            "experiment": experiments[run.info.experiment_id],
            "run_id": run.info.run_id,
            "run_name": run.info.run_name,
            "status": run.info.status,
            "end_time": run.info.end_time,
            "metrics": dict(sorted(run.data.metrics.items())),
        }
        for run in runs
        if run.data.metrics
    ]


def _latest(values: list[Any]) -> dt.datetime | None:
    times = [parse_time(v) for v in values if v]
    return max((t for t in times if t), default=None)


def collect_mlflow(uri: str | None, now: dt.datetime) -> list[Item]:
    """Three items (models, prompts, evaluations) from the tracking/registry store at `uri`."""
    if not uri:
        reason = "no MLflow store given (--mlflow-uri)"
        return [
            not_evaluated("models", "models", "Registered models and aliases", "-", reason),
            not_evaluated("prompts", "prompts", "Prompt versions and aliases", "-", reason),
            not_evaluated("evaluations", "evaluations", "Evaluation results", "-", reason),
        ]
    client = _client(uri)
    models, prompts, evaluations = _models(client), _prompts(client), _evaluations(client)
    source = uri.split("://", 1)[0] + "://"
    items = []
    for kind, title, records, times in (
        (
            "models",
            "Registered models and aliases",
            models,
            [v["created"] for m in models for v in m["versions"]],
        ),
        (
            "prompts",
            "Prompt versions and aliases",
            prompts,
            [v["created"] for p in prompts for v in p["versions"]],
        ),
        ("evaluations", "Evaluation results", evaluations, [r["end_time"] for r in evaluations]),
    ):
        if not records:
            items.append(not_evaluated(kind, kind, title, source, f"the MLflow store holds no {kind}"))
            continue
        summary: dict[str, Any] = {kind: len(records)}
        if kind in ("models", "prompts"):
            summary["aliases"] = {r["name"]: r["aliases"] for r in records}
        else:
            summary["metrics"] = sorted({m for r in records for m in r["metrics"]})
        item = Item(
            kind, kind, title, source, summary=summary, files={f"mlflow/{kind}.json": canonical_json(records)}
        )
        items.append(item.stamp(now, _latest(times)))
    return items
