"""The RAG jobs' entry points (lakeward-evaluate, -release, -monitor) as a Databricks job runs them:
named parameters as `--name=value`, the MLflow store in the lakehouse volume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lakeward.errors import LakewardError
from workloads.rag import jobs

from .test_evaluation import records


def test_evaluate_registers_a_candidate_that_the_release_job_promotes(handbook: Path, tmp_path: Path) -> None:
    lakehouse = tmp_path / "index"
    shutil.copytree(handbook, lakehouse)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"question": "What is a lane?", "relevant": ["globex/faq/lanes.md"]})
        + "\n"
        + json.dumps({"question": "How do I restart dispatch?", "relevant": ["acme/runbooks/dispatch.md"]})
        + "\n"
    )
    named = [f"--lakehouse={lakehouse}", "--catalog=llm_dev", "--schema=curated"]
    result = jobs.evaluate([*named, f"--questions={questions}"])
    assert result["systems"]["hybrid"]["ndcg@10"] == 1.0 and (lakehouse / "_mlflow").is_dir()
    # Latency is judged on a quiet machine; a loaded test machine must not decide this test.
    config = tmp_path / "rag.yaml"
    config.write_text("release:\n  max_latency_p99_ms: 60000\n")
    released = jobs.release([*named, f"--config={config}"])
    assert released["promoted"] is True and released["failures"] == []
    config.write_text("release:\n  max_latency_p99_ms: 0.001\n")
    with pytest.raises(LakewardError) as held:
        jobs.release([*named, f"--config={config}"])
    assert held.value.exit_code == 4 and held.value.field == "answers.latency_p99_ms"


def test_release_without_a_store_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(LakewardError, match="no MLflow store"):
        jobs.release([f"--lakehouse={tmp_path}"])
    assert list(tmp_path.iterdir()) == []


def test_monitor_job_waits_for_traffic_then_fails_with_exit_3_on_drift(tmp_path: Path) -> None:
    """A scheduled run before the endpoint has served both windows' worth succeeds without comparing."""
    rng = np.random.default_rng(1)
    assert jobs.monitor([f"--lakehouse={tmp_path}", "--recent=50"]) == {
        "compared": False,
        "requests": 0,
        "needed": 60,
    }
    (tmp_path / "_mlflow").mkdir()
    log = tmp_path / "_mlflow" / "requests.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in records(rng, 59, 0.05, 40)))
    assert jobs.monitor([f"--lakehouse={tmp_path}", "--recent=50"])["compared"] is False
    with pytest.raises(LakewardError, match="--recent"):
        jobs.monitor([f"--lakehouse={tmp_path}", "--recent=5"])
    stable = records(rng, 200, 0.05, 40)
    log.write_text("\n".join(json.dumps(r) for r in stable))
    assert jobs.monitor([f"--lakehouse={tmp_path}", "--recent=50"])["breaches"] == []
    log.write_text("\n".join(json.dumps(r) for r in stable + records(rng, 50, 0.6, 90)))
    with pytest.raises(LakewardError) as drift:
        jobs.monitor([f"--lakehouse={tmp_path}", "--recent=50"])
    assert drift.value.exit_code == 3 and "fallback_rate" in str(drift.value)
