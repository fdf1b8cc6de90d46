"""The Databricks Vector Search backend: the Delta Sync index over the pipeline's embeddings table,
queried through `databricks-ai-search` (formerly `databricks-vectorsearch`).

The documented query API (https://docs.databricks.com/api/vector-search/v1/query-vector-index.md):
`/api/2.0/vector-search/indexes/{name}/query` takes `num_results`, `columns`, `filters_json`,
`query_vector` (required for an index of self-managed vectors, as this one is), `query_text` and
`query_type` (`ANN`, `HYBRID` or `FULL_TEXT`); the answer holds `manifest.columns` (each with a `name`),
`result.data_array` (one list per row, in the manifest's column order, the last column `score`) and,
when more rows remain, `next_page_token` for `/query-next-page`
(https://docs.databricks.com/api/vector-search/v1/query-vector-index-next-page.md), which the client
follows. Standard endpoints take filters as a dictionary whose keys carry the column and operator: a
list is IN, `"col >="` a lower bound, timestamps included
(https://docs.databricks.com/aws/en/vector-search/vector-search-filtering-guide).

Credentials come from where the model runs, never from configuration or code: the service principal's
OAuth client in `DATABRICKS_HOST`, `DATABRICKS_CLIENT_ID` and `DATABRICKS_CLIENT_SECRET` (the serving
endpoint sets them from a secret scope), or else what the Databricks runtime provides (a model logged
with the index as a resource gets short-lived credentials in the serving environment).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from lakeward.errors import LakewardError
from workloads import vector_index
from workloads.rag.config import RagConfig, RetrievalConfig
from workloads.rag.retrieval import (
    Context,
    Embed,
    Filters,
    Retrieval,
    ScoredChunk,
    admitted_classes,
    cutoff,
    pack,
)

COLUMNS = [vector_index.PRIMARY_KEY, *vector_index.SYNCED_COLUMNS]
"""What each hit brings back: the key, the chunk text, what a citation needs and the labels."""
QUERY_TYPES = {"bm25": "FULL_TEXT", "dense": "ANN", "hybrid": "HYBRID"}
INDEX_FIELD = "retrieval.vector_search.index"
CREDENTIALS = ("DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET")


def _failure(exc: Exception, index: str) -> LakewardError:
    """A client error as a `LakewardError` naming the index and what to do."""
    from databricks.ai_search.exceptions import NotFound, PermissionDenied

    if isinstance(exc, PermissionDenied):
        return LakewardError(
            f"permission denied querying the index ({exc})",
            source=index,
            field=INDEX_FIELD,
            fix="grant the service principal SELECT on the index and USE CATALOG / USE SCHEMA above it, "
            "and CAN USE on the endpoint",
        )
    if isinstance(exc, NotFound):
        return LakewardError(
            f"no such index ({exc})",
            source=index,
            field=INDEX_FIELD,
            fix="apply the retrieval stack, or name an existing catalog.schema.index",
        )
    return LakewardError(
        f"the Vector Search API failed: {exc}",
        source=index,
        field=INDEX_FIELD,
        fix="retry, or use backend: local",
    )


def open_index(config: RagConfig) -> Any:
    """The index client for `config`, once the index says it is ready; a clear error otherwise."""
    from databricks.ai_search.client import AISearchClient
    from databricks.ai_search.exceptions import AISearchException

    name, search = config.index_name, config.retrieval.vector_search
    host, client_id, secret = (os.environ.get(key) for key in CREDENTIALS)
    try:
        if client_id and secret:
            client = AISearchClient(
                workspace_url=host,
                service_principal_client_id=client_id,
                service_principal_client_secret=secret,
                disable_notice=True,
            )
        else:
            client = AISearchClient(disable_notice=True)
    except Exception as exc:
        raise LakewardError(
            f"no Databricks credentials to query the index ({exc})",
            source=name,
            field=INDEX_FIELD,
            fix=f"set {', '.join(CREDENTIALS)} (the service principal's, from a secret scope), "
            "or run on Databricks",
        ) from None
    try:
        index = client.get_index(endpoint_name=search.endpoint, index_name=name)
        status = index.describe().get("status", {})
    except AISearchException as exc:
        raise _failure(exc, name) from None
    if not status.get("ready"):
        raise LakewardError(
            f"is not ready: {status.get('message') or 'still syncing'}",
            source=name,
            field=INDEX_FIELD,
            fix="wait for the first sync to finish (the index status says ready), or use backend: local",
        )
    return index


class VectorSearchRetriever:
    """Hybrid, keyword or vector queries of a Vector Search index, with the local backend's filters
    expressed as index filters; source globs (which index filters cannot express) are applied to the
    hits."""

    backend = "vector_search"

    def __init__(self, index: Any, name: str, embed: Embed, config: RetrievalConfig) -> None:
        self.index, self.name, self.embed, self.config = index, name, embed, config
        self.lineage = {"index": {"name": name, "endpoint": config.vector_search.endpoint, "chunkset": name}}
        self._seen: dict[str, dict[str, Any]] = {}

    def filters(self, filters: Filters | None, now: datetime | None = None) -> dict[str, Any] | None:
        """The index filters for `filters` and the configured rules; None when nothing can match."""
        filters = filters or Filters()
        classes = admitted_classes(self.config, filters)
        if not classes or filters.tenant == ():
            return None
        out: dict[str, Any] = {"classification": classes}
        if filters.tenant is not None:
            out["tenant"] = list(filters.tenant)
        oldest = cutoff(self.config, filters, now or datetime.now(UTC))
        if oldest is not None:
            out["source_modified_at >="] = oldest.isoformat()
        return out

    def _query(
        self, system: str, query: str, vector: np.ndarray, k: int, filters: Filters | None
    ) -> list[dict[str, Any]]:
        from databricks.ai_search.exceptions import AISearchException

        where = self.filters(filters)
        if where is None:
            return []
        query_type = QUERY_TYPES[system]
        wide = filters is not None and filters.source is not None
        try:
            response = self.index.similarity_search(
                columns=COLUMNS,
                query_text=None if query_type == "ANN" else query,
                query_vector=None if query_type == "FULL_TEXT" else [float(x) for x in vector],
                filters=where,
                num_results=max(k, self.config.candidates) if wide else k,
                query_type=query_type,
                disable_notice=True,
            )
        except AISearchException as exc:
            raise _failure(exc, self.name) from None
        rows = read_rows(response)
        if wide:
            assert filters is not None and filters.source is not None
            globs = filters.source
            rows = [r for r in rows if any(fnmatch.fnmatchcase(r["source"], g) for g in globs)]
        for row in rows:
            self._seen.setdefault(row["chunk_id"], row)
        return rows[:k]

    def rank(
        self, system: str, query: str, vector: np.ndarray, k: int, filters: Filters | None = None
    ) -> list[ScoredChunk]:
        rows = self._query(system, query, vector, k, filters)
        return [ScoredChunk(row["chunk_id"], row["doc_id"], float(row["score"])) for row in rows]

    def retrieve(
        self, query: str, filters: Filters | None = None, vector: np.ndarray | None = None
    ) -> Retrieval:
        vector = self.embed([query])[0] if vector is None else vector
        system = "hybrid" if self.config.vector_search.query_type == "HYBRID" else "dense"
        rows = self._query(system, query, vector, self.config.candidates, filters)
        contexts = (
            Context(
                row["chunk_id"],
                row["doc_id"],
                row["source"],
                row["title"],
                row["text"],
                float(row["score"]),
                int(row.get("token_count") or 0) or len(row["text"].split()),
            )
            for row in rows
        )
        return pack(contexts, self.config, Retrieval([]))

    def texts(self, chunk_ids: Iterable[str]) -> dict[str, str]:
        return {c: self._seen[c]["text"] for c in chunk_ids if c in self._seen}


def read_rows(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The hits of a query answer as one dictionary per row, named by the manifest's columns."""
    names = [column["name"] for column in response.get("manifest", {}).get("columns", [])]
    return [
        dict(zip(names, values, strict=True)) for values in response.get("result", {}).get("data_array", [])
    ]


def vector_search_retriever(config: RagConfig, embed: Embed) -> VectorSearchRetriever:
    """The configured index, opened and checked ready."""
    return VectorSearchRetriever(open_index(config), config.index_name, embed, config.retrieval)
