"""The pipeline's tables: their specs, the store interface the pipeline uses, and the delta-rs store.

Two stores keep the same tables with the same behaviour: `PathTables` (delta-rs, a table in
`<root>/<catalog>/<schema>/<table>`) and `CatalogTables` (`catalog_tables.py`: Unity Catalog names
through a Spark session, on Databricks). Every table has change data feed on, non-null key columns
and CHECK constraints. Writes are MERGEs on the table's key, so a rerun or a resumed run never
duplicates a row. A table made before a nullable column joined its spec gains that column when it is
next opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyarrow as pa
from deltalake import DeltaTable, Field

from lakeward.errors import LakewardError
from workloads.chunking import CHUNK_SCHEMA
from workloads.embedding import EMBEDDING_TYPE

TIMESTAMP = pa.timestamp("us", tz="UTC")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def check_name(value: str, field: str) -> str:
    """A catalog, schema, table or column name as Lakeward writes it: ASCII letters, digits and
    underscores, starting with a letter (so it is safe inside backticks)."""
    if not NAME.fullmatch(value):
        raise LakewardError(
            f"{value!r} is not a Unity Catalog name",
            field=field,
            fix="use letters, digits and underscores, starting with a letter",
        )
    return value


LABEL_FIELDS = (
    pa.field("tenant", pa.string(), nullable=True),
    pa.field("classification", pa.string(), nullable=True),
    pa.field("source_modified_at", TIMESTAMP, nullable=True),
)
"""Set by the pipeline on every document, chunk and embedding: the run's tenant and classification
(`SourceLabels`) and when the source last changed (a file's modification time; null where the corpus
gives none). Nullable only so that tables made before them gain them; every row written has the
first two."""


LABELS = tuple(f.name for f in LABEL_FIELDS)


@dataclass(frozen=True)
class TableSpec:
    """A table's schema, unique key and CHECK constraints."""

    name: str
    schema: pa.Schema
    keys: tuple[str, ...]
    constraints: dict[str, str]


DOCUMENTS = TableSpec(
    "documents",
    pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("source", pa.string(), nullable=False),
            pa.field("title", pa.string(), nullable=False),
            pa.field("format", pa.string(), nullable=False),
            pa.field("language", pa.string(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
            pa.field("content_hash", pa.string(), nullable=False),
            pa.field("pii_counts", pa.string(), nullable=False),
            pa.field("pii_total", pa.int32(), nullable=False),
            pa.field("chunk_count", pa.int32(), nullable=False),
            pa.field("updated_at", TIMESTAMP, nullable=False),
            pa.field("duplicate_of", pa.string(), nullable=True),
            *LABEL_FIELDS,
        ]
    ),
    ("doc_id",),
    {
        "doc_id_not_empty": "doc_id <> ''",
        "pii_total_not_negative": "pii_total >= 0",
        "duplicate_not_chunked": "duplicate_of IS NULL OR chunk_count = 0",
    },
)
"""`duplicate_of`: the doc_id of the document this one duplicates (`duplicates.py`); such a document
is kept here, with no chunks, so that every document read is in the table. It and the label columns
come last because tables made before them gain them at the end."""
CHUNKS = TableSpec(
    "chunks",
    pa.schema([*CHUNK_SCHEMA, pa.field("updated_at", TIMESTAMP, nullable=False), *LABEL_FIELDS]),
    ("doc_id", "chunk_id"),
    {"chunk_index_not_negative": "chunk_index >= 0", "token_count_positive": "token_count > 0"},
)
EMBEDDING_CONTEXT_FIELDS = (
    pa.field("doc_id", pa.string(), nullable=True),
    pa.field("text", pa.string(), nullable=True),
    pa.field("source", pa.string(), nullable=True),
    pa.field("title", pa.string(), nullable=True),
    pa.field("token_count", pa.int32(), nullable=True),
    *LABEL_FIELDS,
    pa.field("updated_at", TIMESTAMP, nullable=True),
)
EMBEDDINGS = TableSpec(
    "embeddings",
    pa.schema(
        [
            pa.field("chunk_id", pa.string(), nullable=False),
            pa.field("model_version", pa.string(), nullable=False),
            pa.field("embedding", EMBEDDING_TYPE, nullable=False),
            pa.field("created_at", TIMESTAMP, nullable=False),
            *EMBEDDING_CONTEXT_FIELDS,
        ]
    ),
    ("chunk_id",),
    {"chunk_id_not_empty": "chunk_id <> ''"},
)
"""The source of the Vector Search index (`workloads/vector_index.py`): beside each vector, what the
index syncs of its chunk (text, citation, labels), taken from the chunk's first row by doc_id when
the same text occurs in more than one document."""
QUALITY = TableSpec(
    "quality_metrics",
    pa.schema(
        [
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("table_name", pa.string(), nullable=False),
            pa.field("expectation", pa.string(), nullable=False),
            pa.field("passed", pa.bool_(), nullable=False),
            pa.field("observed", pa.string(), nullable=False),
            pa.field("measured_at", TIMESTAMP, nullable=False),
        ]
    ),
    ("run_id", "table_name", "expectation"),
    {},
)
QUARANTINE = TableSpec(
    "quarantine",
    pa.schema(
        [
            pa.field("source", pa.string(), nullable=False),
            pa.field("reason", pa.string(), nullable=False),
            pa.field("quarantined_at", TIMESTAMP, nullable=False),
        ]
    ),
    ("source",),
    {"source_not_empty": "source <> ''"},
)
"""The corpus files the last run did not read, and why (`corpus.py`)."""
DATA_TABLES = (DOCUMENTS, CHUNKS, EMBEDDINGS)


class TableStore(Protocol):
    """What the pipeline needs from wherever its tables live."""

    def full_name(self, spec: TableSpec) -> str:
        """The table's Unity Catalog name, `catalog.schema.table`."""
        ...

    def read(self, spec: TableSpec, columns: list[str] | None = None) -> pa.Table:
        """The table's rows (all columns, or `columns`), in the spec's types."""
        ...

    def versions(self) -> dict[str, int]:
        """The current version of each data table (`DATA_TABLES`)."""
        ...

    def restore(self, versions: dict[str, int]) -> None:
        """Put each data table back at the given version (the last good one)."""
        ...

    def upsert(self, spec: TableSpec, rows: pa.Table) -> None:
        """MERGE rows on the table's key: update what matches, insert the rest."""
        ...

    def delete(self, spec: TableSpec, keys: pa.Table) -> None:
        """MERGE-delete the rows whose key is in `keys` (recorded as deletes in the change data feed)."""
        ...


class PathTables:
    """The pipeline's Delta tables under one root folder, through delta-rs."""

    def __init__(self, root: Path, catalog: str, schema: str) -> None:
        self.root, self.catalog, self.schema = root, catalog, schema

    def path(self, spec: TableSpec) -> Path:
        return self.root / self.catalog / self.schema / spec.name

    def full_name(self, spec: TableSpec) -> str:
        return f"{self.catalog}.{self.schema}.{spec.name}"

    def table(self, spec: TableSpec) -> DeltaTable:
        """Open the table, creating it (schema, change data feed, constraints) on first use."""
        path = self.path(spec)
        if DeltaTable.is_deltatable(str(path)):
            table = DeltaTable(str(path))
            have = {f.name for f in table.schema().fields}
            missing = [Field.from_arrow(f) for f in spec.schema if f.name not in have]
            if missing:
                table.alter.add_columns(missing)
                table = DeltaTable(str(path))
            return table
        path.mkdir(parents=True, exist_ok=True)
        table = DeltaTable.create(
            str(path),
            schema=spec.schema,
            name=spec.name,
            configuration={"delta.enableChangeDataFeed": "true"},
        )
        for name, expression in spec.constraints.items():
            table.alter.add_constraint({name: expression})
        return DeltaTable(str(path))

    def read(self, spec: TableSpec, columns: list[str] | None = None) -> pa.Table:
        return self.table(spec).to_pyarrow_table(columns=columns)

    def versions(self) -> dict[str, int]:
        return {spec.name: self.table(spec).version() for spec in DATA_TABLES}

    def restore(self, versions: dict[str, int]) -> None:
        """Put each data table back at the given version (the last good one)."""
        for spec in DATA_TABLES:
            table = self.table(spec)
            if table.version() != versions[spec.name]:
                table.restore(versions[spec.name])

    def _predicate(self, spec: TableSpec) -> str:
        return " AND ".join(f"t.{key} = s.{key}" for key in spec.keys)

    def upsert(self, spec: TableSpec, rows: pa.Table) -> None:
        """MERGE rows on the table's key: update what matches, insert the rest."""
        if rows.num_rows:
            (
                self.table(spec)
                .merge(
                    rows.select(spec.schema.names).cast(spec.schema),
                    self._predicate(spec),
                    source_alias="s",
                    target_alias="t",
                )
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute()
            )

    def delete(self, spec: TableSpec, keys: pa.Table) -> None:
        """MERGE-delete the rows whose key is in `keys` (recorded as deletes in the change data feed)."""
        if keys.num_rows:
            (
                self.table(spec)
                .merge(
                    keys.select(list(spec.keys)), self._predicate(spec), source_alias="s", target_alias="t"
                )
                .when_matched_delete()
                .execute()
            )
