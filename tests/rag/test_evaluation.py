"""Evaluation on a SciFact subset, logged to MLflow; the release gate; drift."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pytest

from lakeward.errors import LakewardError
from workloads.rag import metrics
from workloads.rag.config import RagConfig, ReleaseThresholds, RetrievalConfig
from workloads.rag.evaluation import EvalRequest, load_beir, run_evaluation
from workloads.rag.monitor import compare
from workloads.rag.release import failure_message, release

from .conftest import GATED


def test_ranking_metrics_by_hand() -> None:
    relevant = {"d1": 1, "d3": 1}
    assert metrics.ndcg_at(["d1", "d3", "x"], relevant) == 1.0
    assert metrics.ndcg_at(["x", "d1"], relevant) == pytest.approx((1 / np.log2(3)) / (1 + 1 / np.log2(3)))
    assert (
        metrics.recall_at(["x", "d1"], relevant, 10) == 0.5
        and metrics.mrr_at(["x", "y", "d3"], relevant) == 1 / 3
    )
    assert metrics.documents_in_order(["d1", "d1", "d2", "d1"]) == ["d1", "d2"]
    good, total = metrics.groundedness(
        "Tokens expire after 30 days. [aaaaaaaa] Cats fly. [aaaaaaaa]",
        {"aaaaaaaa": "Workspace tokens expire after 30 days."},
    )
    assert (good, total) == (1, 2)


def test_eval_reports_three_systems_and_answers_and_logs_to_mlflow(scifact_eval) -> None:
    request, result = scifact_eval
    out = result.to_json()
    assert set(out["systems"]) == {"bm25", "dense", "hybrid"}
    for values in out["systems"].values():
        assert set(values) == {"ndcg@10", "recall@10", "recall@100", "mrr@10"}
        assert all(0.0 <= v <= 1.0 for v in values.values())
    assert out["systems"]["hybrid"]["ndcg@10"] > 0.5 and out["questions"] == 20
    assert out["answers"]["groundedness"] >= 0.9 and 0 <= out["answers"]["fallback_rate"] < 1
    assert out["answers"]["latency_p50_ms"] > 0 and out["retrieval_latency_ms"]["p99"] > 0
    run = mlflow.MlflowClient().get_run(result.run_id)
    assert run.data.metrics["hybrid.ndcg_at_10"] == out["systems"]["hybrid"]["ndcg@10"]
    assert run.data.params["questions"] == "20" and result.model_version
    events = [json.loads(line) for line in (request.tracking / "openlineage.jsonl").read_text().splitlines()]
    assert [e["eventType"] for e in events[:2]] == ["START", "COMPLETE"]
    names = {d["name"] for d in events[1]["inputs"]}
    assert (
        "llm_dev.eval_scifact.embeddings" in names
        and events[1]["outputs"][0]["name"] == "models:/lakeward-rag"
    )


def test_rerun_reuses_the_cached_embeddings(scifact_eval) -> None:
    from workloads.pipeline import run_pipeline

    request, _ = scifact_eval
    from workloads.config import PipelineConfig

    again = run_pipeline(
        request.lakehouse / "_eval" / "scifact" / "corpus.jsonl",
        request.lakehouse,
        PipelineConfig(schema="eval_scifact"),
    )
    assert again.embedded == 0 and again.changed == 0


def test_release_promotes_a_candidate_that_meets_the_thresholds(released) -> None:
    _, result, outcome = released
    assert outcome.promoted and not outcome.failures
    version = mlflow.MlflowClient().get_model_version_by_alias("lakeward-rag", "champion").version
    assert str(version) == result.model_version


def test_release_blocks_a_worse_candidate_and_names_the_metric(released) -> None:
    request, result, _ = released
    worse_config = RagConfig(retrieval=RetrievalConfig(candidates=1))
    worse = run_evaluation(EvalRequest(**{**request.__dict__, "answer_questions": 5}), worse_config)
    assert worse.systems["hybrid"]["ndcg@10"] < result.systems["hybrid"]["ndcg@10"]
    outcome = release(request.tracking, GATED)
    assert not outcome.promoted
    assert "hybrid.ndcg_at_10 vs champion" in [c.metric for c in outcome.failures]
    error = failure_message(outcome)
    assert error.exit_code == 4 and "hybrid.ndcg_at_10" in str(error)
    client = mlflow.MlflowClient()
    assert str(client.get_model_version_by_alias("lakeward-rag", "champion").version) == result.model_version
    strict = RagConfig(
        release=ReleaseThresholds(min_ndcg_at_10=0.99, max_regression=1.0, max_latency_p99_ms=60_000)
    )
    blocked = release(request.tracking, strict)
    assert [c.metric for c in blocked.failures] == ["hybrid.ndcg_at_10"] and not blocked.promoted


def test_beir_split_and_question_errors_name_the_field(tmp_path) -> None:
    (tmp_path / "qrels").mkdir()
    (tmp_path / "queries.jsonl").write_text('{"_id": "1", "text": "what causes fever?"}\n')
    (tmp_path / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n")
    assert [q.text for q in load_beir(tmp_path, "train")] == ["what causes fever?"]
    with pytest.raises(LakewardError) as error:
        load_beir(tmp_path, "test")
    assert error.value.field == "--split" and "train" in error.value.fix


def records(
    rng: np.random.Generator, n: int, fallback: float, latency: float, shift: float = 0.0
) -> list[dict]:
    base = np.zeros(16)
    base[0] = 1.0
    out = []
    for _ in range(n):
        vector = base + rng.normal(0, 0.1, 16)
        vector[1] += shift
        out.append(
            {
                "fallback": bool(rng.random() < fallback),
                "refused": False,
                "latency_ms": float(rng.normal(latency, 5)),
                "answer_chars": int(rng.normal(300, 30)),
                "embedding": (vector / np.linalg.norm(vector)).tolist(),
            }
        )
    return out


def test_monitor_flags_drift_and_passes_a_stable_window() -> None:
    rng = np.random.default_rng(5)
    stable = compare(records(rng, 300, 0.1, 40) + records(rng, 100, 0.1, 40), recent=100)
    assert stable.breaches == []
    drifted = compare(records(rng, 300, 0.1, 40) + records(rng, 100, 0.5, 80, shift=1.0), recent=100)
    assert {"fallback_rate", "latency_ms", "query_embedding"} <= set(drifted.breaches)
    assert "answer_length" not in drifted.breaches
    with pytest.raises(LakewardError, match="recent"):
        compare(records(rng, 15, 0.1, 40), recent=10)


def test_progress_bars_end_at_their_totals(scifact_eval, eval_progress) -> None:
    for stage in ("retrieval", "answers"):
        total, advanced = eval_progress[stage]
        assert advanced == total > 0, stage
