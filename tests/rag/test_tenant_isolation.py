"""Tenants apart by construction on the local backend: two tenants' runs write the same tables, each
row labelled with its run's tenant, and a tenant-filtered query never returns the other's chunk, even
from a corpus written to make it: the same text in both tenants (one chunk ID), a document filed under
the other tenant's folder name, and one stuffed with the other tenant's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from workloads.config import PipelineConfig, SourceLabels
from workloads.pipeline import run_pipeline
from workloads.rag.catalog import load_catalog
from workloads.rag.config import RagConfig
from workloads.rag.retrieval import SYSTEMS, Filters, HybridRetriever, minilm_embedder
from workloads.tables import CHUNKS, DOCUMENTS, EMBEDDINGS, PathTables

SHARED = "Restart the dispatch service when the queue backs up; it drains within ten minutes."
CORPUS = {
    "acme": {
        "acme/runbooks/dispatch.md": f"# Dispatch runbook\n\n{SHARED}",
        "acme/policies/retention.md": "# Retention\n\nAcme keeps audit logs for 365 days.",
        "acme/faq/tokens.md": "# Tokens\n\nAcme workspace tokens expire after 30 days.",
    },
    "globex": {
        # The same text as Acme's runbook: one chunk ID in both tenants.
        "globex/runbooks/mirror.md": f"# Dispatch runbook\n\n{SHARED}",
        # Filed under a folder named like the other tenant: a path-derived tenant would say acme.
        "acme/imposter.md": "# Acme audit logs\n\nAcme audit logs retention 365 days tokens dispatch.",
        # Stuffed with the other tenant's words.
        "globex/stuffed.md": "# Acme Acme\n\nAcme tokens expire acme audit logs acme dispatch queue restart.",
        "globex/faq/lanes.md": "# Lanes\n\nGlobex publishes lane rates every quarter.",
    },
}
OWNER = {doc: tenant for tenant, docs in CORPUS.items() for doc in docs}
QUESTIONS = [
    "How do I restart the dispatch service?",
    "How long are Acme audit logs kept?",
    "When do Acme workspace tokens expire?",
    "Acme dispatch queue restart tokens audit",
    "When does Globex publish lane rates?",
]


def write(root: Path, docs: dict[str, str]) -> Path:
    for name, text in docs.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tenants")
    for tenant, docs in CORPUS.items():
        corpus = write(root / "corpus" / tenant, docs)
        run_pipeline(corpus, root / "lakehouse", PipelineConfig(labels=SourceLabels(tenant)))
    return root / "lakehouse"


@pytest.fixture(scope="module")
def retriever(lakehouse: Path) -> HybridRetriever:
    config = RagConfig()
    return HybridRetriever(load_catalog(lakehouse, config), minilm_embedder(), config.retrieval)


def test_every_row_carries_its_runs_tenant_and_classification(lakehouse: Path) -> None:
    store = PathTables(lakehouse, "llm_dev", "curated")
    for spec in (DOCUMENTS, CHUNKS):
        rows = store.read(spec, ["doc_id", "tenant", "classification", "source_modified_at"]).to_pylist()
        assert {row["doc_id"] for row in rows} == set(OWNER)
        assert all(row["tenant"] == OWNER[row["doc_id"]] for row in rows), spec.name
        assert all(row["classification"] == "internal" and row["source_modified_at"] for row in rows)
    embeddings = store.read(EMBEDDINGS, ["chunk_id", "doc_id", "tenant", "text"]).to_pylist()
    assert all(row["tenant"] == OWNER[row["doc_id"]] and row["text"] for row in embeddings)


@pytest.mark.parametrize("tenant", sorted(CORPUS))
def test_a_tenant_filtered_query_never_returns_another_tenants_chunk(
    retriever: HybridRetriever, tenant: str
) -> None:
    only = Filters(tenant=(tenant,))
    returned = 0
    for question in QUESTIONS:
        vector = retriever.embed([question])[0]
        for system in SYSTEMS:
            hits = retriever.rank(system, question, vector, 20, only)
            assert all(OWNER[hit.doc_id] == tenant for hit in hits), (system, question)
            returned += len(hits)
        contexts = retriever.retrieve(question, only, vector).contexts
        assert all(OWNER[c.doc_id] == tenant and c.source == c.doc_id for c in contexts), question
    assert returned, "the filter admits the tenant's own chunks"


def test_the_shared_text_is_cited_from_the_filtered_tenants_document(retriever: HybridRetriever) -> None:
    chunks = set()
    for tenant, doc in (("acme", "acme/runbooks/dispatch.md"), ("globex", "globex/runbooks/mirror.md")):
        found = retriever.retrieve("How do I restart the dispatch service?", Filters(tenant=(tenant,)))
        [context] = [c for c in found.contexts if "dispatch service" in c.text]
        assert context.doc_id == doc
        chunks.add(context.chunk_id)
    assert len(chunks) == 1, "one chunk ID, two tenants' rows"


def test_a_run_cannot_take_over_another_tenants_document(lakehouse: Path, tmp_path: Path) -> None:
    """The same document ID from another tenant's run stops the run before anything is written."""
    store = PathTables(lakehouse, "llm_dev", "curated")
    before = store.versions()
    corpus = write(tmp_path / "globex", {"acme/runbooks/dispatch.md": "# Hijack\n\nGlobex owns this now."})
    with pytest.raises(LakewardError) as caught:
        run_pipeline(corpus, lakehouse, PipelineConfig(labels=SourceLabels("globex")))
    assert "belong to tenant 'acme'" in str(caught.value) and caught.value.field == "--tenant"
    assert store.versions() == before
