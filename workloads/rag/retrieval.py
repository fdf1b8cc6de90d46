"""Hybrid retrieval: BM25 and HNSW over the pipeline's index, fused by RRF, filtered and packed.

Pre-filters (tenant, source glob, classification, age) become an allowed set of documents that both
searches honour. The fused ranking is then walked best first: near-duplicate chunks are dropped and
chunks are kept while they fit the context budget in tokens.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from workloads.rag.catalog import ChunkCatalog
from workloads.rag.config import RetrievalConfig
from workloads.rag.fusion import reciprocal_rank_fusion

Embed = Callable[[list[str]], np.ndarray]
"""Texts in, unit-length float32 vectors out (one row per text)."""


@dataclass(frozen=True)
class Filters:
    """Metadata pre-filters; None means no restriction on that attribute."""

    tenant: tuple[str, ...] | None = None
    source: tuple[str, ...] | None = None
    """Glob patterns on the document's source path."""
    classification: tuple[str, ...] | None = None
    max_age_days: float | None = None


@dataclass(frozen=True)
class ScoredChunk:
    chunk_id: str
    doc_id: str
    score: float
    row: int


@dataclass(frozen=True)
class Context:
    """One chunk handed to the generator, with what a citation needs."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    text: str
    score: float
    tokens: int


@dataclass
class Retrieval:
    contexts: list[Context]
    dropped_duplicates: list[str] = field(default_factory=list)
    over_budget: list[str] = field(default_factory=list)
    allowed_documents: int | None = None


def shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class HybridRetriever:
    """BM25, dense and RRF-fused search over a `ChunkCatalog`."""

    def __init__(self, catalog: ChunkCatalog, embed: Embed, config: RetrievalConfig) -> None:
        self.catalog, self.embed, self.config = catalog, embed, config
        meta = catalog.metadata
        self._columns = {
            name: meta.column(name).to_pylist() for name in ("chunk_id", "doc_id", "source", "title")
        }
        self._attributes = {
            name: catalog.attributes.column(name).to_pylist() for name in catalog.attributes.schema.names
        }
        self._allowed_cache: dict[Filters, list[str] | None] = {}
        self._row_of: dict[str, int] = {}
        for row, chunk in enumerate(self._columns["chunk_id"]):
            self._row_of.setdefault(chunk, row)

    def allowed_documents(self, filters: Filters | None, now: datetime | None = None) -> list[str] | None:
        """Documents the filters and the allowed classifications admit; None when all are admitted."""
        filters = filters or Filters()
        if filters.max_age_days is None and self.config.max_age_days is None:
            if filters not in self._allowed_cache:
                self._allowed_cache[filters] = self._allowed(filters, None)
            return self._allowed_cache[filters]
        return self._allowed(filters, now or datetime.now(UTC))

    def _allowed(self, filters: Filters, now: datetime | None) -> list[str] | None:
        allowed_classes = set(self.config.allowed_classifications)
        if filters.classification is not None:
            allowed_classes &= set(filters.classification)
        max_age = filters.max_age_days if filters.max_age_days is not None else self.config.max_age_days
        cutoff = now - timedelta(days=max_age) if now is not None and max_age is not None else None
        attrs, docs, sources = self._attributes, self._columns["doc_id"], self._columns["source"]
        keep: set[str] = set()
        every = True
        for row, doc in enumerate(docs):
            ok = attrs["classification"][row] in allowed_classes
            ok = ok and (filters.tenant is None or attrs["tenant"][row] in filters.tenant)
            ok = ok and (
                filters.source is None or any(fnmatch.fnmatchcase(sources[row], p) for p in filters.source)
            )
            ok = ok and (cutoff is None or attrs["updated_at"][row] >= cutoff)
            every = every and ok
            if ok:
                keep.add(doc)
        return None if every else sorted(keep)

    def _where(self, allowed: list[str] | None) -> dict | None:
        return None if allowed is None else {"doc_id": allowed}

    def bm25(self, query: str, k: int, allowed: list[str] | None = None) -> list[ScoredChunk]:
        if allowed == []:
            return []
        hits = self.catalog.index.search_bm25(query, k, where=self._where(allowed))
        return [ScoredChunk(h.chunk_id, h.doc_id, h.score, h.row) for h in hits]

    def dense(self, vector: np.ndarray, k: int, allowed: list[str] | None = None) -> list[ScoredChunk]:
        if allowed == []:
            return []
        hits = self.catalog.index.search_vector(vector, k, where=self._where(allowed))
        return [ScoredChunk(h.chunk_id, h.doc_id, h.score, h.row) for h in hits]

    def fuse(self, *rankings: list[ScoredChunk]) -> list[ScoredChunk]:
        fused = reciprocal_rank_fusion([[h.chunk_id for h in r] for r in rankings], k=self.config.rrf_k)
        return [
            ScoredChunk(chunk, self._columns["doc_id"][self._row_of[chunk]], score, self._row_of[chunk])
            for chunk, score in fused
        ]

    def search(
        self, query: str, k: int, filters: Filters | None = None, vector: np.ndarray | None = None
    ) -> list[ScoredChunk]:
        """The top-k of BM25 and dense hits fused by reciprocal rank fusion."""
        allowed = self.allowed_documents(filters)
        vector = self.embed([query])[0] if vector is None else vector
        depth = max(k, self.config.candidates)
        return self.fuse(self.bm25(query, depth, allowed), self.dense(vector, depth, allowed))[:k]

    def retrieve(
        self, query: str, filters: Filters | None = None, vector: np.ndarray | None = None
    ) -> Retrieval:
        """Fused hits walked best first: near duplicates dropped, kept while within the token budget."""
        allowed = self.allowed_documents(filters)
        vector = self.embed([query])[0] if vector is None else vector
        depth = self.config.candidates
        ranked = self.fuse(self.bm25(query, depth, allowed), self.dense(vector, depth, allowed))
        result = Retrieval([], allowed_documents=None if allowed is None else len(allowed))
        kept: list[set] = []
        used = 0
        for hit in ranked:
            if len(result.contexts) >= self.config.top_k:
                break
            text = self.catalog.metadata.column("text")[hit.row].as_py()
            grams = shingles(text)
            if any(jaccard(grams, other) >= self.config.near_duplicate for other in kept):
                result.dropped_duplicates.append(hit.chunk_id)
                continue
            tokens = int(self._attributes["token_count"][hit.row]) or len(text.split())
            if used + tokens > self.config.context_tokens:
                result.over_budget.append(hit.chunk_id)
                continue
            kept.append(grams)
            used += tokens
            result.contexts.append(
                Context(
                    hit.chunk_id,
                    hit.doc_id,
                    self._columns["source"][hit.row],
                    self._columns["title"][hit.row],
                    text,
                    hit.score,
                    tokens,
                )
            )
        return result


def minilm_embedder() -> Embed:
    """The pipeline's own embedding model (loaded once per process), as an `Embed` function."""
    from workloads.config import EmbedConfig
    from workloads.embedding import get_embedder

    embedder = get_embedder(EmbedConfig(device="cpu"))
    return embedder.encode
