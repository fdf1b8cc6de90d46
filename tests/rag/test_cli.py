"""The RAG commands through the CLI: one JSON object on stdout, errors that name the field."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lakeward.errors import LakewardError
from tests.cli import run_cli
from workloads.rag.config import load_rag_config

from .test_evaluation import records


def test_ask_json(handbook: Path, tracking: Path) -> None:
    result = run_cli(
        "ask",
        "How long are audit logs kept?",
        "--lakehouse",
        str(handbook),
        "--tracking",
        str(tracking),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert {"answer", "citations", "fallback", "guardrails"} <= set(answer)
    assert answer["citations"][0]["doc_id"].startswith("acme/policies/retention")
    assert {"chunk_id", "doc_id"} <= set(answer["citations"][0]) and answer["fallback"] is False


def test_eval_questions_json(handbook: Path, tracking: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"question": "What is a lane?", "relevant": ["globex/faq/lanes.md"]})
        + "\n"
        + json.dumps({"question": "How do I restart dispatch?", "relevant": ["acme/runbooks/dispatch.md"]})
        + "\n"
    )
    result = run_cli(
        "eval",
        "--questions",
        str(questions),
        "--lakehouse",
        str(handbook),
        "--tracking",
        str(tracking),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out["systems"]) == {"bm25", "dense", "hybrid"} and out["systems"]["hybrid"]["ndcg@10"] == 1.0
    assert out["answers"]["citation_precision"] == 1.0 and out["run_id"]


def test_release_without_a_candidate_names_the_fix(tmp_path: Path) -> None:
    result = run_cli("release", "--tracking", str(tmp_path / "empty"), "--lakehouse", str(tmp_path))
    assert result.exit_code == 2 and "--tracking: no MLflow store here" in result.stderr
    assert "lakeward eval" in result.stderr and not (tmp_path / "empty").exists()
    (tmp_path / "empty").mkdir()
    result = run_cli("release", "--tracking", str(tmp_path / "empty"), "--lakehouse", str(tmp_path))
    assert result.exit_code == 2 and ": candidate: model " in result.stderr


def test_release_blocked_by_a_threshold_exits_4(released, tmp_path: Path) -> None:
    request, _, _ = released
    config = tmp_path / "rag.yaml"
    # Latency is judged on a quiet machine; a loaded test machine must not decide this test.
    config.write_text(
        "release:\n  min_ndcg_at_10: 0.999\n  max_regression: 1.0\n  max_latency_p99_ms: 60000\n"
    )
    result = run_cli(
        "release",
        "--tracking",
        str(request.tracking),
        "--lakehouse",
        str(tmp_path),
        "--config",
        str(config),
        "--json",
    )
    assert json.loads(result.stdout)["failures"] == ["hybrid.ndcg_at_10"]
    assert result.exit_code == 4 and "hybrid.ndcg_at_10" in result.stderr


def test_monitor_exits_3_on_drift(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    log = tmp_path / "requests.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in records(rng, 200, 0.05, 40) + records(rng, 50, 0.6, 90)))
    result = run_cli("monitor", "--log", str(log), "--recent", "50", "--lakehouse", str(tmp_path), "--json")
    assert "fallback_rate" in json.loads(result.stdout)["breaches"]
    assert result.exit_code == 3 and "fallback_rate" in result.stderr


def test_bad_config_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "rag.yaml"
    bad.write_text("retrieval:\n  top_k: 0\n")
    with pytest.raises(LakewardError) as error:
        load_rag_config(bad)
    assert error.value.field == "retrieval.top_k"
