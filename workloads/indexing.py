"""Indexing: BM25 (bm25s) plus an HNSW vector index (hnswlib), with chunk metadata for filters.

The index lives beside the tables, in `<lakehouse>/<catalog>/<schema>/_index/`:
`manifest.json`, `chunks.parquet` (row i is HNSW label i and BM25 document i), `bm25/`, `hnsw.bin`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lakeward.errors import LakewardError
from lakeward.files import staged_directory
from workloads.config import IndexConfig, stable_hash
from workloads.model import DIMENSION

METADATA_COLUMNS = ["chunk_id", "doc_id", "chunk_index", "section", "title", "source", "language", "text"]
INDEX_FOLDER = "_index"


def index_dir(lakehouse: Path, catalog: str, schema: str) -> Path:
    return lakehouse / catalog / schema / INDEX_FOLDER


def chunkset_fingerprint(keys: list[str]) -> str:
    """Identifies the exact set of (doc_id, chunk_id) keys an index was built from."""
    return stable_hash(*sorted(keys))


def read_manifest(directory: Path) -> dict | None:
    path = directory / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else None


# BM25 as Lucene scores it, on Snowball-stemmed English tokens without stopwords (as BEIR's baselines).
BM25_SETTINGS = {
    "library": "bm25s",
    "method": "lucene",
    "k1": 1.5,
    "b": 0.75,
    "stopwords": "en",
    "stemmer": "snowball-english",
}


def index_settings(config: IndexConfig) -> dict:
    """Everything that shapes the indexes besides the chunks and the model: a change means a rebuild."""
    return {
        "hnsw": {
            "space": "ip",
            "M": config.m,
            "ef_construction": config.ef_construction,
            "ef_search": config.ef_search,
        },
        "bm25": BM25_SETTINGS,
    }


def is_current(manifest: dict | None, keys: list[str], config: IndexConfig, model_version: str) -> bool:
    """Whether the index on disk was built from these chunks, this model and these settings."""
    return bool(
        manifest
        and manifest.get("chunkset") == chunkset_fingerprint(keys)
        and manifest.get("model_version") == model_version
        and all(manifest.get(key) == value for key, value in index_settings(config).items())
    )


def _bm25_tokens(texts: list[str]) -> list[list[str]]:
    import bm25s
    import Stemmer

    return bm25s.tokenize(
        texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), return_ids=False, show_progress=False
    )


def build_index(
    chunks: pa.Table, vectors: np.ndarray, directory: Path, config: IndexConfig, model_version: str
) -> dict:
    """Build both indexes into a staging folder that replaces `directory` only when complete."""
    import bm25s
    import hnswlib

    chunks = chunks.sort_by([("doc_id", "ascending"), ("chunk_index", "ascending")])
    count = chunks.num_rows
    with staged_directory(directory) as staging:
        pq.write_table(chunks.select(METADATA_COLUMNS), staging / "chunks.parquet")
        bm25 = bm25s.BM25(method=BM25_SETTINGS["method"], k1=BM25_SETTINGS["k1"], b=BM25_SETTINGS["b"])
        if count:
            bm25.index(_bm25_tokens(chunks.column("text").to_pylist()), show_progress=False)
            bm25.save(str(staging / "bm25"))
        graph = hnswlib.Index(space="ip", dim=DIMENSION)
        graph.init_index(
            max_elements=max(1, count), ef_construction=config.ef_construction, M=config.m, random_seed=7
        )
        if count:
            graph.add_items(vectors, np.arange(count), num_threads=1)
        graph.save_index(str(staging / "hnsw.bin"))
        keys = [
            f"{d}/{c}"
            for d, c in zip(chunks["doc_id"].to_pylist(), chunks["chunk_id"].to_pylist(), strict=True)
        ]
        manifest = {
            "count": count,
            "dimension": DIMENSION,
            "model_version": model_version,
            **index_settings(config),
            "chunkset": chunkset_fingerprint(keys),
            "built_at": datetime.now(UTC).isoformat(),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    doc_id: str
    score: float
    row: int


class ChunkIndex:
    """BM25 and vector search over the chunks, with equality filters on any metadata column."""

    def __init__(self, directory: Path) -> None:
        import bm25s
        import hnswlib

        manifest = read_manifest(directory)
        if manifest is None:
            raise LakewardError(
                "holds no index",
                source=str(directory),
                field="lakehouse",
                fix="run `lakeward pipeline run` first",
            )
        self.manifest = manifest
        self.metadata = pq.read_table(directory / "chunks.parquet")
        self.bm25 = bm25s.BM25.load(str(directory / "bm25")) if manifest["count"] else None
        self.hnsw = hnswlib.Index(space="ip", dim=manifest["dimension"])
        self.hnsw.load_index(str(directory / "hnsw.bin"), max_elements=max(1, manifest["count"]))
        self.hnsw.set_ef(manifest["hnsw"]["ef_search"])

    def __len__(self) -> int:
        return self.manifest["count"]

    def _allowed(self, where: dict[str, object] | None, rows: np.ndarray | None = None) -> np.ndarray | None:
        """The rows that match every `where` column and are set in `rows`; None when unrestricted."""
        if not where:
            return rows
        mask = np.ones(len(self), dtype=bool) if rows is None else rows.copy()
        for column, wanted in where.items():
            values = wanted if isinstance(wanted, list | tuple | set) else [wanted]
            mask &= pc.is_in(self.metadata.column(column), pa.array(list(values))).to_numpy(
                zero_copy_only=False
            )
        return mask

    def _hits(self, rows: np.ndarray, scores: np.ndarray) -> list[Hit]:
        ids, docs = self.metadata.column("chunk_id"), self.metadata.column("doc_id")
        return [
            Hit(ids[int(r)].as_py(), docs[int(r)].as_py(), float(s), int(r))
            for r, s in zip(rows, scores, strict=True)
        ]

    def search_bm25(
        self, query: str, k: int = 10, where: dict[str, object] | None = None, mask: np.ndarray | None = None
    ) -> list[Hit]:
        """Top-k chunks by BM25 score (only chunks with a positive score) among the rows `where` and
        `mask` admit."""
        if self.bm25 is None:
            return []
        allowed = self._allowed(where, mask)
        weights = None if allowed is None else allowed.astype(np.float32)
        k = min(k, len(self))
        rows, scores = self.bm25.retrieve(
            _bm25_tokens([query]), k=k, show_progress=False, weight_mask=weights
        )
        keep = scores[0] > 0
        return self._hits(rows[0][keep], scores[0][keep])

    def search_vector(
        self,
        vector: np.ndarray,
        k: int = 10,
        where: dict[str, object] | None = None,
        mask: np.ndarray | None = None,
    ) -> list[Hit]:
        """Top-k chunks by cosine similarity (vectors are unit length, so inner product) among the
        rows `where` and `mask` admit."""
        allowed = self._allowed(where, mask)
        available = len(self) if allowed is None else int(allowed.sum())
        k = min(k, available)
        if k == 0:
            return []
        accept = None if allowed is None else (lambda label: bool(allowed[label]))
        labels, distances = self.hnsw.knn_query(
            np.asarray(vector, dtype=np.float32).reshape(1, -1), k=k, filter=accept
        )
        return self._hits(labels[0], 1.0 - distances[0])


def load_index(lakehouse: Path, catalog: str = "llm_dev", schema: str = "curated") -> ChunkIndex:
    """The public entry for retrieval: the index the last pipeline run built for `catalog.schema`."""
    return ChunkIndex(index_dir(lakehouse, catalog, schema))
