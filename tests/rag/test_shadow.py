"""Shadow evaluation: requests from an inference table export replayed against the challenger and the
champion offline, compared on agreement, groundedness, citation validity, refusals, latency and cost,
with a report and an exit code CI gates on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import run_cli
from workloads.rag.config import GuardrailConfig, RagConfig, ShadowThresholds
from workloads.rag.shadow import Replay, compare, read_replays

from .conftest import CONFIG

QUESTIONS = [
    "How long are audit logs kept?",
    "When do workspace tokens expire?",
    "How do I restart the dispatch service?",
    "What is a lane?",
    "When are lane rates published?",
    "Who do I page if the queue does not drain?",
]
# Refuses every question about tokens, logs, lanes or the queue: more refusals, fewer shared answers.
REFUSING = RagConfig(
    retrieval=CONFIG.retrieval, guardrails=GuardrailConfig(blocked_terms=["tokens", "logs", "lane", "queue"])
)


def inference_row(index: int, body: object, status: int = 200) -> dict:
    """A row with the AI-gateway-enabled inference table's columns
    (https://docs.databricks.com/aws/en/ai-gateway/inference-tables, "Inference table schema")."""
    return {
        "request_date": "2026-11-20",
        "databricks_request_id": f"req-{index:03d}",
        "client_request_id": None,
        "request_time": f"2026-11-20T10:{index:02d}:00Z",
        "status_code": status,
        "sampling_fraction": 1.0,
        "execution_duration_ms": 40,
        "request": body if isinstance(body, str) else json.dumps(body),
        "response": json.dumps({"predictions": [{"answer": "[redacted]"}]}),
        "served_entity_id": "lakeward-rag-v1",
        "logging_error_codes": [],
        "requester": "analyst@example.com",
    }


def export(path: Path) -> Path:
    rows = [inference_row(i, {"dataframe_records": [{"question": q}]}) for i, q in enumerate(QUESTIONS)]
    rows.append(
        inference_row(50, {"dataframe_split": {"columns": ["question"], "data": [["What is a lane?"]]}})
    )
    rows.append(inference_row(51, "not json", status=400))
    rows.append(inference_row(52, {"inputs": {"tenant": "acme"}}))
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_the_export_is_read_in_request_order_and_unreplayable_rows_are_counted(tmp_path: Path) -> None:
    replays, skipped = read_replays(export(tmp_path / "export.jsonl"), limit=5)
    assert skipped == 2
    assert [r.request_id for r in replays] == ["req-002", "req-003", "req-004", "req-005", "req-050"]
    assert replays[-1] == Replay("req-050", "What is a lane?")


def test_a_delta_export_reads_like_the_json_lines(tmp_path: Path) -> None:
    import pyarrow as pa
    from deltalake import write_deltalake

    rows = [inference_row(i, {"dataframe_records": [{"question": q}]}) for i, q in enumerate(QUESTIONS)]
    write_deltalake(str(tmp_path / "table"), pa.Table.from_pylist(rows))
    replays, skipped = read_replays(tmp_path / "table", limit=100)
    assert skipped == 0 and [r.question for r in replays] == QUESTIONS


def _answer(text: str, refused: bool = False, latency: float = 10.0) -> dict:
    return {
        "question": "q",
        "answer": text,
        "citations": [{"chunk_id": "0123456789abcdef"}],
        "fallback": False,
        "refused": refused,
        "latency_ms": latency,
    }


def test_an_identical_challenger_passes_and_a_slow_refusing_one_fails() -> None:
    replays = [Replay(f"r{i}", f"question {i}") for i in range(10)]
    chunks = {"0123456789abcdef": "audit logs are kept for 365 days in the archive bucket"}
    same = _answer("Audit logs are kept for 365 days [0123456789abcdef].")
    metrics, checks, disagreements = compare(
        replays, lambda q: same, lambda q: same, chunks, ShadowThresholds()
    )
    assert all(c.passed for c in checks) and not disagreements
    assert metrics["challenger"]["answer_agreement"] == 1.0 and metrics["champion"]["groundedness"] == 1.0

    worse = _answer("Nothing to say about that [fedcba9876543210].", refused=True, latency=500.0)
    _, checks, disagreements = compare(replays, lambda q: same, lambda q: worse, chunks, ShadowThresholds())
    failed = {c.metric for c in checks if not c.passed}
    assert failed == {
        "answer_agreement",
        "groundedness",
        "citation_validity",
        "refusal_rate",
        "latency_p95_ms",
    }
    assert len(disagreements) == 10


def test_cost_per_request_is_gated_at_the_configured_price() -> None:
    replays = [Replay("r", "question")]
    short, long = _answer("Short [0123456789abcdef]."), _answer("Long " * 400 + "[0123456789abcdef].")
    limits = ShadowThresholds(price_per_1k_tokens=0.5)
    metrics, checks, _ = compare(replays, lambda q: short, lambda q: long, {}, limits)
    [cost] = [c for c in checks if c.metric == "cost_per_request"]
    assert (
        not cost.passed
        and metrics["challenger"]["cost_per_request"] > metrics["champion"]["cost_per_request"] > 0
    )


@pytest.fixture(scope="module")
def two_versions(handbook: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Version 1 (the champion) and version 2 (a challenger that refuses much) of the chain model."""
    import tempfile

    import mlflow

    from workloads.rag.catalog import load_catalog
    from workloads.rag.model import log_chain_model
    from workloads.rag.prompts import ensure_prompt
    from workloads.rag.tracking import use_tracking

    tracking = tmp_path_factory.mktemp("shadow-mlflow")
    use_tracking(tracking)
    prompt = ensure_prompt()
    for config in (CONFIG, REFUSING):
        with mlflow.start_run(), tempfile.TemporaryDirectory() as staging:
            log_chain_model(load_catalog(handbook, config), config, prompt, Path(staging), CONFIG.model_name)
    client = mlflow.MlflowClient()
    client.set_registered_model_alias(CONFIG.model_name, "champion", "1")
    client.set_registered_model_alias(CONFIG.model_name, "challenger", "2")
    return tracking


def test_shadow_replays_the_export_and_fails_a_refusing_challenger(
    handbook: Path, two_versions: Path, tmp_path: Path
) -> None:
    report = tmp_path / "shadow.json"
    done = run_cli(
        "shadow", "--requests", export(tmp_path / "export.jsonl"), "--lakehouse", handbook,
        "--tracking", two_versions, "--out", report, "--json",
    )  # fmt: skip
    assert done.exit_code == 4, done.stderr
    assert "refusal_rate" in done.stderr and "fix:" in done.stderr
    written = json.loads(report.read_text())
    assert written == json.loads(done.stdout)
    assert (written["champion"], written["challenger"], written["requests"], written["skipped"]) == (
        1,
        2,
        7,
        2,
    )
    assert not written["passed"] and written["metrics"]["challenger"]["refusal_rate"] > 0.5
    assert written["metrics"]["champion"]["refusal_rate"] == 0.0
    assert "How long" not in report.read_text(), "the report holds no request text"
