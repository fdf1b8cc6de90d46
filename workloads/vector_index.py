"""The Vector Search index over the pipeline's embeddings table, as every part of Lakeward names it:
the retrieval stack declares it, the pipeline fills its source table, the retriever queries it.
Standard library only, so synthesis imports it without the pipeline's libraries.

One index per table set: the platform's tables (`<catalog>.curated`) and each tenant's tables (in the
tenant's catalog) each get their own index, so a tenant's index holds only that tenant's rows and Unity
Catalog grants on the tenant's catalog decide who may query it. A shared index with a tenant column
would keep tenants apart only as long as every caller remembered the filter.
"""

from __future__ import annotations

SCHEMA = "curated"
SOURCE_TABLE = "embeddings"
INDEX_TABLE = "embeddings_index"
PRIMARY_KEY = "chunk_id"
VECTOR_COLUMN = "embedding"
DIMENSION = 384
"""all-MiniLM-L6-v2's (`workloads.model.DIMENSION`); a self-managed vector column must state it."""
TEXT_COLUMN = "text"
FILTER_COLUMNS = ("tenant", "classification", "source_modified_at", "updated_at")
"""What retrieval filters on (tenant, classification) and what recency rules read (timestamps)."""
SYNCED_COLUMNS = (TEXT_COLUMN, "doc_id", "source", "title", "token_count", *FILTER_COLUMNS)
"""Synced beside the key and the vector: the chunk text (for hybrid keyword search and the answer),
what a citation needs, and the filter columns."""
PIPELINE_TYPES = ("TRIGGERED", "CONTINUOUS")


def source_table(catalog: str, schema: str = SCHEMA) -> str:
    return f"{catalog}.{schema}.{SOURCE_TABLE}"


def index_name(catalog: str, schema: str = SCHEMA) -> str:
    return f"{catalog}.{schema}.{INDEX_TABLE}"
