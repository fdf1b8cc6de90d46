"""One retriever interface, two backends: the local index (BM25 and HNSW fused by RRF) and
Databricks Vector Search (`vector_search.py`), chosen by `retrieval.backend` in the RAG configuration.

Both honour the same pre-filters (tenant, source glob, classification, age) and pack the same way: the
ranking is walked best first, near-duplicate chunks are dropped and chunks are kept while they fit the
context budget in tokens. Locally the filters become a mask of index rows that both searches honour,
so a row of another tenant is never a candidate.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np

from workloads.rag.catalog import ChunkCatalog
from workloads.rag.config import RetrievalConfig
from workloads.rag.fusion import reciprocal_rank_fusion

Embed = Callable[[list[str]], np.ndarray]
"""Texts in, unit-length float32 vectors out (one row per text)."""
SYSTEMS = ("bm25", "dense", "hybrid")
"""What a retriever ranks by: keywords, vectors, or both."""


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
    row: int = -1
    """The local index's row (-1 for hits of another backend)."""


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


class Retriever(Protocol):
    """What the chain, the served model and the evaluation need from a backend."""

    backend: str
    config: RetrievalConfig
    embed: Embed
    lineage: dict
    """The tables and index the answers are drawn from."""

    def rank(
        self, system: str, query: str, vector: np.ndarray, k: int, filters: Filters | None = None
    ) -> list[ScoredChunk]:
        """The top-k chunks by `system` (one of `SYSTEMS`) that the filters admit."""
        ...

    def retrieve(
        self, query: str, filters: Filters | None = None, vector: np.ndarray | None = None
    ) -> Retrieval:
        """The hybrid ranking packed into contexts for the generator."""
        ...

    def texts(self, chunk_ids: Iterable[str]) -> dict[str, str]:
        """The text of chunks this retriever returned (to judge groundedness)."""
        ...


def shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def admitted_classes(config: RetrievalConfig, filters: Filters) -> list[str]:
    """The classifications answers may use, narrowed by the request's filter."""
    allowed = list(config.allowed_classifications)
    return allowed if filters.classification is None else [c for c in allowed if c in filters.classification]


def cutoff(config: RetrievalConfig, filters: Filters, now: datetime) -> datetime | None:
    """The oldest source change the recency rule admits, or None."""
    max_age = filters.max_age_days if filters.max_age_days is not None else config.max_age_days
    return None if max_age is None else now - timedelta(days=max_age)


def pack(ranked: Iterable[Context], config: RetrievalConfig, retrieval: Retrieval) -> Retrieval:
    """Walk `ranked` best first: drop near duplicates, keep chunks while they fit the token budget."""
    kept: list[set] = []
    used = 0
    for context in ranked:
        if len(retrieval.contexts) >= config.top_k:
            break
        grams = shingles(context.text)
        if any(jaccard(grams, other) >= config.near_duplicate for other in kept):
            retrieval.dropped_duplicates.append(context.chunk_id)
            continue
        if used + context.tokens > config.context_tokens:
            retrieval.over_budget.append(context.chunk_id)
            continue
        kept.append(grams)
        used += context.tokens
        retrieval.contexts.append(context)
    return retrieval


class HybridRetriever:
    """The local backend: BM25, dense and RRF-fused search over a `ChunkCatalog`."""

    backend = "local"

    def __init__(self, catalog: ChunkCatalog, embed: Embed, config: RetrievalConfig) -> None:
        self.catalog, self.embed, self.config = catalog, embed, config
        self.lineage = catalog.lineage
        meta = catalog.metadata
        self._columns = {
            name: meta.column(name).to_pylist() for name in ("chunk_id", "doc_id", "source", "title")
        }
        self._attributes = {
            name: catalog.attributes.column(name).to_pylist() for name in catalog.attributes.schema.names
        }
        self._allowed_cache: dict[Filters, np.ndarray | None] = {}
        self._row_of: dict[str, int] = {}
        for row, chunk in enumerate(self._columns["chunk_id"]):
            self._row_of.setdefault(chunk, row)

    def allowed_rows(self, filters: Filters | None, now: datetime | None = None) -> np.ndarray | None:
        """A mask of the index rows the filters and the allowed classifications admit; None when all
        are admitted."""
        filters = filters or Filters()
        if filters.max_age_days is None and self.config.max_age_days is None:
            if filters not in self._allowed_cache:
                self._allowed_cache[filters] = self._allowed(filters, None)
            return self._allowed_cache[filters]
        return self._allowed(filters, now or datetime.now(UTC))

    def _allowed(self, filters: Filters, now: datetime | None) -> np.ndarray | None:
        classes = set(admitted_classes(self.config, filters))
        oldest = None if now is None else cutoff(self.config, filters, now)
        attrs, sources = self._attributes, self._columns["source"]
        mask = np.zeros(len(sources), dtype=bool)
        for row, source in enumerate(sources):
            mask[row] = (
                attrs["classification"][row] in classes
                and (filters.tenant is None or attrs["tenant"][row] in filters.tenant)
                and (filters.source is None or any(fnmatch.fnmatchcase(source, p) for p in filters.source))
                and (oldest is None or attrs["modified_at"][row] >= oldest)
            )
        return None if mask.all() else mask

    def _documents(self, mask: np.ndarray | None) -> int | None:
        docs = self._columns["doc_id"]
        return None if mask is None else len({docs[row] for row in np.flatnonzero(mask)})

    def bm25(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[ScoredChunk]:
        if allowed is not None and not allowed.any():
            return []
        hits = self.catalog.index.search_bm25(query, k, mask=allowed)
        return [ScoredChunk(h.chunk_id, h.doc_id, h.score, h.row) for h in hits]

    def dense(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[ScoredChunk]:
        if allowed is not None and not allowed.any():
            return []
        hits = self.catalog.index.search_vector(vector, k, mask=allowed)
        return [ScoredChunk(h.chunk_id, h.doc_id, h.score, h.row) for h in hits]

    def fuse(self, *rankings: list[ScoredChunk]) -> list[ScoredChunk]:
        """RRF over rankings of admitted rows; a chunk ID's row is the one its first ranking found."""
        rows = {h.chunk_id: h.row for ranking in reversed(rankings) for h in ranking}
        fused = reciprocal_rank_fusion([[h.chunk_id for h in r] for r in rankings], k=self.config.rrf_k)
        return [
            ScoredChunk(chunk, self._columns["doc_id"][rows[chunk]], score, rows[chunk])
            for chunk, score in fused
        ]

    def rank(
        self, system: str, query: str, vector: np.ndarray, k: int, filters: Filters | None = None
    ) -> list[ScoredChunk]:
        allowed = self.allowed_rows(filters)
        if system == "bm25":
            return self.bm25(query, k, allowed)
        if system == "dense":
            return self.dense(vector, k, allowed)
        depth = max(k, self.config.candidates)
        return self.fuse(self.bm25(query, depth, allowed), self.dense(vector, depth, allowed))[:k]

    def _context(self, hit: ScoredChunk) -> Context:
        text = self.catalog.metadata.column("text")[hit.row].as_py()
        tokens = int(self._attributes["token_count"][hit.row]) or len(text.split())
        columns = self._columns
        return Context(
            hit.chunk_id,
            hit.doc_id,
            columns["source"][hit.row],
            columns["title"][hit.row],
            text,
            hit.score,
            tokens,
        )

    def retrieve(
        self, query: str, filters: Filters | None = None, vector: np.ndarray | None = None
    ) -> Retrieval:
        """Fused hits walked best first: near duplicates dropped, kept while within the token budget."""
        allowed = self.allowed_rows(filters)
        vector = self.embed([query])[0] if vector is None else vector
        depth = self.config.candidates
        ranked = self.fuse(self.bm25(query, depth, allowed), self.dense(vector, depth, allowed))
        result = Retrieval([], allowed_documents=self._documents(allowed))
        return pack((self._context(hit) for hit in ranked), self.config, result)

    def texts(self, chunk_ids: Iterable[str]) -> dict[str, str]:
        text = self.catalog.metadata.column("text")
        return {c: text[self._row_of[c]].as_py() for c in chunk_ids if c in self._row_of}


def minilm_embedder() -> Embed:
    """The pipeline's own embedding model (loaded once per process), as an `Embed` function."""
    from workloads.config import EmbedConfig
    from workloads.embedding import get_embedder

    embedder = get_embedder(EmbedConfig(device="cpu"))
    return embedder.encode
