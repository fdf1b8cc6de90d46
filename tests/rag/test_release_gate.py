"""The release gate judges metrics that can fail: retrieval quality, citations, correctness against
references where they exist, and groundedness only for a generator that can make things up."""

from __future__ import annotations

from pathlib import Path

import pytest

from workloads.rag.config import RagConfig
from workloads.rag.metrics import token_f1
from workloads.rag.release import CANDIDATE, release
from workloads.rag.tracking import use_tracking

GOOD = {
    "hybrid.ndcg_at_10": 0.7,
    "hybrid.recall_at_10": 0.8,
    "answers.citation_precision": 0.6,
    "answers.fallback_rate": 0.1,
    "answers.latency_p99_ms": 80.0,
    "answers.groundedness": 0.99,
}


def candidate(tracking: Path, metrics: dict[str, float], generator: str = "extractive") -> None:
    """A registered model version aliased `candidate`, whose run logged `metrics`."""
    import mlflow
    from mlflow import MlflowClient

    use_tracking(tracking)
    with mlflow.start_run() as run:
        mlflow.log_params({"generator": generator})
        mlflow.log_metrics(metrics)
    client, name = MlflowClient(), RagConfig().model_name
    if not client.search_registered_models(f"name = '{name}'"):
        client.create_registered_model(name)
    version = client.create_model_version(name, f"runs:/{run.info.run_id}/model", run.info.run_id)
    client.set_registered_model_alias(name, CANDIDATE, version.version)


def test_token_f1_by_hand() -> None:
    assert token_f1("Vitamin D lowers risk [0123456789abcdef]", "vitamin D lowers the risk") == pytest.approx(
        2 * (4 / 4) * (4 / 5) / (4 / 4 + 4 / 5)
    )
    assert token_f1("", "anything") == 0.0 and token_f1("unrelated words", "vitamin") == 0.0


def test_extractive_groundedness_is_reported_not_gated(tmp_path: Path) -> None:
    candidate(tmp_path, {**GOOD, "answers.groundedness": 0.2})
    outcome = release(tmp_path, RagConfig())
    assert outcome.promoted and "answers.groundedness" not in [c.metric for c in outcome.checks]


def test_chat_groundedness_is_gated(tmp_path: Path) -> None:
    candidate(tmp_path, {**GOOD, "answers.groundedness": 0.2}, generator="chat")
    outcome = release(tmp_path, RagConfig())
    assert not outcome.promoted and [c.metric for c in outcome.failures] == ["answers.groundedness"]


@pytest.mark.parametrize(
    ("metric", "value"),
    [
        ("hybrid.recall_at_10", 0.3),
        ("hybrid.ndcg_at_10", 0.2),
        ("answers.citation_precision", 0.1),
        ("answers.correctness", 0.1),
    ],
)
def test_each_gate_that_can_fail_does(tmp_path: Path, metric: str, value: float) -> None:
    candidate(tmp_path, {**GOOD, "answers.correctness": 0.8, metric: value})
    outcome = release(tmp_path, RagConfig())
    assert not outcome.promoted and [c.metric for c in outcome.failures] == [metric]


def test_correctness_is_gated_only_where_references_exist(tmp_path: Path) -> None:
    candidate(tmp_path, GOOD)
    outcome = release(tmp_path, RagConfig())
    assert outcome.promoted and "answers.correctness" not in [c.metric for c in outcome.checks]
