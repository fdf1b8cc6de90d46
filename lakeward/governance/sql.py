"""The statements the bootstrap sends, as pure functions of checked names.

Identifiers from the environment file (the catalog) are checked (`check_name`: letters, digits and
underscores) and quoted in backticks; values travel as named statement parameters (`:name`), never in
the text. The pipeline tables' DDL comes from the same Arrow specs the pipeline writes
(`workloads.tables`), through the Unity Catalog store's statement builders.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyarrow as pa

from lakeward.governance.library import SCHEMA, Function
from workloads.catalog_tables import TableName, add_columns, add_constraint, create_table, quote
from workloads.tables import CHUNKS, DOCUMENTS, EMBEDDINGS, QUALITY, QUARANTINE, TIMESTAMP, TableSpec

PIPELINE_SCHEMA = "curated"
"""Where the pipeline jobs keep their tables (their `--schema` parameter)."""
PIPELINE_TABLES = (DOCUMENTS, CHUNKS, EMBEDDINGS, QUALITY, QUARANTINE)
RECORD = TableSpec(
    "bootstrap_record",
    pa.schema(
        [
            pa.field("object_type", pa.string(), nullable=False),
            pa.field("object_name", pa.string(), nullable=False),
            pa.field("action", pa.string(), nullable=False),
            pa.field("digest", pa.string(), nullable=False),
            pa.field("recorded_at", TIMESTAMP, nullable=False),
        ]
    ),
    ("object_type", "object_name", "recorded_at"),
    {},
)
"""What each bootstrap created or changed, and the definition's digest, one row per change."""


def digest(definition: str) -> str:
    """The SHA-256 of an object's definition, as the record keeps it."""
    return hashlib.sha256(definition.encode()).hexdigest()


@dataclass(frozen=True)
class Statement:
    """One SQL statement and its named parameters (all STRING)."""

    text: str
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return digest(self.text)


def record_table(catalog: str) -> TableName:
    return TableName(catalog, SCHEMA, RECORD.name)


def create_function(catalog: str, function: Function) -> Statement:
    """CREATE OR REPLACE: the same definition again changes nothing the function does."""
    name = ".".join(quote(part) for part in (catalog, SCHEMA, function.name))
    characteristic = "DETERMINISTIC\n" if function.deterministic else ""
    return Statement(
        f"CREATE OR REPLACE FUNCTION {name}({quote(function.parameter, 'parameter')} {function.type})\n"
        f"RETURNS {function.returns}\n{characteristic}"
        f"COMMENT 'lakeward {function.kind}: {function.comment}'\n"
        f"RETURN {function.body}"
    )


def create_pipeline_table(catalog: str, spec: TableSpec) -> Statement:
    return Statement(create_table(TableName(catalog, PIPELINE_SCHEMA, spec.name), spec))


def add_pipeline_constraints(catalog: str, spec: TableSpec) -> list[Statement]:
    """The spec's CHECK constraints, for a table just created."""
    name = TableName(catalog, PIPELINE_SCHEMA, spec.name)
    return [Statement(add_constraint(name, key, expression)) for key, expression in spec.constraints.items()]


def add_pipeline_columns(catalog: str, spec: TableSpec, fields: list[pa.Field]) -> Statement:
    """Columns the spec gained since the table was created (nullable ones)."""
    return Statement(add_columns(TableName(catalog, PIPELINE_SCHEMA, spec.name), fields))


def create_record_table(catalog: str) -> Statement:
    return Statement(create_table(record_table(catalog), RECORD))


def existing_tables(catalog: str) -> Statement:
    """The tables of the governance and pipeline schemas that exist: (schema, table) rows."""
    return Statement(
        "SELECT table_schema, table_name FROM system.information_schema.tables "
        "WHERE table_catalog = :catalog AND table_schema IN (:governance, :pipeline)",
        {"catalog": catalog, "governance": SCHEMA, "pipeline": PIPELINE_SCHEMA},
    )


def existing_pipeline_schemas(catalogs: list[str]) -> Statement:
    """Which of `catalogs` hold the pipeline schema yet: (catalog) rows. A tenant's catalog and its
    schemas are made by its tenant stack (https://docs.databricks.com/sql/language-manual/information-schema/schemata.html)."""
    names = {f"catalog_{index}": catalog for index, catalog in enumerate(catalogs)}
    return Statement(
        "SELECT catalog_name FROM system.information_schema.schemata "
        f"WHERE schema_name = :pipeline AND catalog_name IN ({', '.join(f':{name}' for name in names)})",
        {"pipeline": PIPELINE_SCHEMA, **names},
    )


def existing_columns(catalog: str) -> Statement:
    """The pipeline tables' columns: (table, column) rows."""
    return Statement(
        "SELECT table_name, column_name FROM system.information_schema.columns "
        "WHERE table_catalog = :catalog AND table_schema = :pipeline",
        {"catalog": catalog, "pipeline": PIPELINE_SCHEMA},
    )


def existing_functions(catalog: str) -> Statement:
    """The governance schema's functions: (name) rows."""
    return Statement(
        "SELECT routine_name FROM system.information_schema.routines "
        "WHERE routine_catalog = :catalog AND routine_schema = :governance",
        {"catalog": catalog, "governance": SCHEMA},
    )


def recorded_digests(catalog: str) -> Statement:
    """The latest recorded digest of each object: (type, name, digest) rows."""
    return Statement(
        f"SELECT object_type, object_name, max_by(digest, recorded_at) FROM {record_table(catalog).sql} "
        "GROUP BY object_type, object_name"
    )


def record(catalog: str, rows: list[tuple[str, str, str, str]]) -> Statement:
    """One INSERT of (type, name, action, digest) rows, stamped with the statement's time."""
    values: list[str] = []
    parameters: dict[str, str] = {}
    for index, row in enumerate(rows):
        names = [f"{column}_{index}" for column in ("type", "name", "action", "digest")]
        values.append(f"({', '.join(f':{name}' for name in names)}, current_timestamp())")
        parameters.update(zip(names, row, strict=True))
    return Statement(f"INSERT INTO {record_table(catalog).sql} VALUES {', '.join(values)}", parameters)
