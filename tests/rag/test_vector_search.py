"""The Vector Search backend against the local fake of the documented query API: the requests it sends
(hybrid, keyword and vector queries, filters, result counts, the service principal's token), how it
reads the answers (columns by the manifest, paging), and its errors (an index still syncing, a
permission error) as `LakewardError`s naming the index and the fix."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from lakeward.errors import LakewardError
from tests.fakes.databricks_api import TOKEN, FakeAccount, FakeVectorIndex, fake_databricks
from workloads.rag.chain import make_retriever
from workloads.rag.config import RagConfig, RetrievalConfig, VectorSearchConfig
from workloads.rag.retrieval import Filters
from workloads.rag.vector_search import COLUMNS, VectorSearchRetriever

INDEX = "llm_dev.curated.embeddings_index"
QUERY = f"/api/2.0/vector-search/indexes/{INDEX}/query"
NOW = datetime.now(UTC)
CONFIG = RagConfig(
    retrieval=RetrievalConfig(
        backend="vector_search", candidates=4, vector_search=VectorSearchConfig(endpoint="lakeward-dev-vs")
    )
)


def embed(texts: list[str]) -> np.ndarray:
    """Two-dimensional stand-ins: 'queue' questions point one way, the rest the other."""
    return np.array([[1.0, 0.0] if "queue" in t else [0.0, 1.0] for t in texts], dtype=np.float32)


def row(chunk: str, tenant: str, text: str, classification: str = "internal", age_days: float = 1) -> dict:
    return {
        "chunk_id": chunk,
        "doc_id": f"{tenant}/{chunk}.md",
        "source": f"{tenant}/{chunk}.md",
        "title": chunk,
        "text": text,
        "token_count": len(text.split()),
        "tenant": tenant,
        "classification": classification,
        "source_modified_at": (NOW - timedelta(days=age_days)).isoformat(),
        "updated_at": NOW.isoformat(),
        "embedding": [float(x) for x in embed([text])[0]],
    }


ROWS = [
    row("acme-restart", "acme", "Restart the dispatch service when the queue backs up."),
    row("acme-drain", "acme", "The queue drains within ten minutes after a restart.", age_days=400),
    row("acme-salaries", "acme", "Salary bands for the queue team.", classification="restricted"),
    row("globex-queue", "globex", "Globex queue restart: call the Globex dispatcher, never Acme."),
    row("globex-lanes", "globex", "A lane is an origin and destination pair."),
]


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeAccount, str]]:
    """The fake workspace with the index, and the service principal's OAuth client in the environment
    (as the serving endpoint provides it)."""
    index = FakeVectorIndex(INDEX, "lakeward-dev-vs", ROWS)
    fake = FakeAccount(account_id="acct", vector_indexes={INDEX: index})
    with fake_databricks(fake) as url:
        monkeypatch.setenv("DATABRICKS_HOST", url)
        monkeypatch.setenv("DATABRICKS_CLIENT_ID", fake.client_id)
        monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "fake-client-secret")  # pragma: allowlist secret
        yield fake, url


def retriever() -> VectorSearchRetriever:
    made = make_retriever(CONFIG, None, embed)
    assert isinstance(made, VectorSearchRetriever)
    return made


def queries(fake: FakeAccount) -> list[dict]:
    return [r.body for r in fake.requested("/query")]


def test_the_configuration_switches_the_backend(account) -> None:
    assert retriever().backend == "vector_search"
    with pytest.raises(LakewardError) as caught:
        make_retriever(RagConfig(), None, embed)
    assert caught.value.field == "retrieval.backend"


def test_a_hybrid_query_sends_text_vector_filters_and_count_and_reads_the_hits(account) -> None:
    fake, _ = account
    found = retriever().retrieve("How do I restart the queue?", Filters(tenant=("acme",)))
    assert [c.chunk_id for c in found.contexts] == ["acme-restart", "acme-drain"]
    context = found.contexts[0]
    assert (context.doc_id, context.source) == ("acme/acme-restart.md",) * 2
    assert context.title == "acme-restart"
    assert context.text.startswith("Restart the dispatch") and context.tokens == 9
    [body] = queries(fake)
    assert body["query_type"] == "HYBRID" and body["query_text"] == "How do I restart the queue?"
    assert body["query_vector"] == [1.0, 0.0] and body["num_results"] == CONFIG.retrieval.candidates
    assert body["columns"] == COLUMNS
    assert json_filters(body) == {"classification": ["public", "internal"], "tenant": ["acme"]}
    assert all(r.authorization == f"Bearer {TOKEN}" for r in fake.requested("/query"))
    assert fake.requested(f"/indexes/{INDEX}"), "the index is described (ready?) before it is queried"


def json_filters(body: dict) -> dict:
    import json

    return json.loads(body["filters_json"])


def test_each_system_sends_its_query_type(account) -> None:
    fake, _ = account
    search = retriever()
    vector = embed(["queue"])[0]
    keyword = search.rank("bm25", "Globex dispatcher", vector, 3)
    assert keyword[0].chunk_id == "globex-queue"
    search.rank("dense", "queue", vector, 3)
    bm25, dense = queries(fake)
    assert bm25["query_type"] == "FULL_TEXT" and "query_vector" not in bm25
    assert dense["query_type"] == "ANN" and "query_text" not in dense and dense["num_results"] == 3


def test_recency_and_source_rules_apply_on_the_index(account) -> None:
    fake, _ = account
    search = retriever()
    recent = search.retrieve("queue restart", Filters(max_age_days=30))
    assert "acme-drain" not in [c.chunk_id for c in recent.contexts]
    assert "source_modified_at >=" in json_filters(queries(fake)[-1])
    sourced = search.retrieve("queue restart", Filters(source=("globex/*",)))
    assert sourced.contexts[0].chunk_id == "globex-queue"
    assert all(c.source.startswith("globex/") for c in sourced.contexts)
    assert search.retrieve("queue", Filters(classification=("restricted",))).contexts == []
    assert len(queries(fake)) == 2, "a filter admitting no classification sends no query"


def test_pages_are_followed_until_the_answer_is_complete(account) -> None:
    fake, _ = account
    fake.vector_indexes[INDEX].page_size = 1
    hits = retriever().rank("dense", "queue", embed(["queue"])[0], 5, Filters(classification=("internal",)))
    assert len(hits) == 4 and hits[0].chunk_id in {"acme-restart", "acme-drain", "globex-queue"}
    pages = fake.requested("/query-next-page")
    assert [p.body["page_token"] for p in pages] == ["page-1", "page-2", "page-3"]


def test_an_index_still_syncing_is_refused_before_any_query(account) -> None:
    fake, _ = account
    index = fake.vector_indexes[INDEX]
    index.ready, index.message = False, "Index is being synced: 0 of 5 rows"
    with pytest.raises(LakewardError) as caught:
        retriever()
    error = caught.value
    assert "not ready" in str(error) and "being synced" in str(error)
    assert error.field == "retrieval.vector_search.index" and error.source == INDEX
    assert not fake.requested("/query")


def test_a_permission_error_names_the_index_and_the_grant(account) -> None:
    fake, _ = account
    search = retriever()
    fake.denied.add("/query")
    with pytest.raises(LakewardError) as caught:
        search.retrieve("queue")
    error = caught.value
    assert "permission denied" in str(error) and error.source == INDEX and error.exit_code == 2
    assert "SELECT on the index" in error.fix


def test_no_credentials_outside_databricks_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(LakewardError) as caught:
        make_retriever(CONFIG, None, embed)
    assert "DATABRICKS_CLIENT_ID" in caught.value.fix


def test_the_evaluation_reports_both_backends_side_by_side(
    handbook: Path, tracking: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handbook's embeddings table, served by the fake as the index the retrieval stack syncs from
    it, evaluated beside the local index the pipeline built from the same tables."""
    from workloads.rag.evaluation import EvalRequest, run_evaluation
    from workloads.tables import EMBEDDINGS, PathTables

    table = PathTables(handbook, "llm_dev", "curated").read(EMBEDDINGS).to_pylist()
    rows = [{k: v.isoformat() if isinstance(v, datetime) else v for k, v in r.items()} for r in table]
    index = FakeVectorIndex(INDEX, "lakeward-dev-vs", rows)
    fake = FakeAccount(account_id="acct", vector_indexes={INDEX: index})
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        '{"question": "How long are audit logs kept?", "relevant": ["acme/policies/retention.md"]}\n'
        '{"question": "When do workspace tokens expire?", "relevant": ["acme/faq/tokens.md"]}\n'
    )
    with fake_databricks(fake) as url:
        monkeypatch.setenv("DATABRICKS_HOST", url)
        monkeypatch.setenv("DATABRICKS_CLIENT_ID", fake.client_id)
        monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "fake-client-secret")  # pragma: allowlist secret
        result = run_evaluation(
            EvalRequest(handbook, tracking, questions=questions, answer_questions=2), CONFIG
        ).to_json()
    assert set(result["backends"]) == {"local", "vector_search"}
    assert result["systems"] == result["backends"]["vector_search"]["systems"]
    for measured in result["backends"].values():
        assert set(measured["systems"]) == {"bm25", "dense", "hybrid"}
        assert measured["retrieval_latency_ms"]["p50"] > 0
    assert result["backends"]["local"]["systems"]["hybrid"]["recall@10"] == 1.0
    sent = {body["query_type"] for body in queries(fake)}
    assert sent == {"FULL_TEXT", "ANN", "HYBRID"}
    assert result["lineage"]["index"]["name"] == INDEX
