"""SciFact smoke test: 40 abstracts through the pipeline; their train queries find them in the top 10."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from lakeward.locate import scifact_dir, scifact_missing
from workloads import pipeline
from workloads.config import EmbedConfig
from workloads.embedding import get_embedder
from workloads.indexing import load_index

SCIFACT = scifact_dir()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(scifact_missing() is not None, reason=scifact_missing() or ""),
]


def test_scifact_subset_is_indexed_and_retrievable(tmp_path: Path) -> None:
    result = pipeline.run_pipeline(SCIFACT / "corpus.jsonl", tmp_path / "lh", limit=40)
    assert result.documents == 40 and result.chunks >= 40 and all(q["passed"] for q in result.quality)
    index = load_index(tmp_path / "lh")
    ids = set(index.metadata["doc_id"].to_pylist())
    queries = {r["_id"]: r["text"] for r in map(json.loads, (SCIFACT / "queries.jsonl").open())}
    with (SCIFACT / "qrels" / "train.tsv").open() as handle:
        pairs = [(row[0], row[1]) for row in list(csv.reader(handle, delimiter="\t"))[1:] if row[1] in ids]
    assert len(pairs) >= 5
    embedder = get_embedder(EmbedConfig())
    found_vector = found_bm25 = 0
    for query_id, doc_id in pairs:
        vector = embedder.encode([queries[query_id]])[0]
        found_vector += doc_id in {hit.doc_id for hit in index.search_vector(vector, 10)}
        found_bm25 += doc_id in {hit.doc_id for hit in index.search_bm25(queries[query_id], 10)}
    assert found_vector >= 0.75 * len(pairs), found_vector
    assert found_bm25 >= 0.5 * len(pairs), found_bm25
