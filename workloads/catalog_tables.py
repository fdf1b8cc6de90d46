"""The pipeline's tables as Unity Catalog tables, read and written by name through a Spark session.

On Databricks the jobs keep `catalog.schema.documents|chunks|embeddings|quality_metrics` as Delta
tables with the same contract as `PathTables`: change data feed on, NOT NULL columns, the spec's
CHECK constraints, MERGE upserts and deletes on the key, versions from the table history and a
RESTORE to the last good version. A table made before a nullable column joined its spec gains it
(`ALTER TABLE ... ADD COLUMNS`) when the store first opens it. Every statement comes from one of the
pure functions below, which take checked names and quote them with backticks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pyarrow as pa

from lakeward.errors import LakewardError
from workloads.engines import conform
from workloads.tables import DATA_TABLES, TableSpec, check_name

CONSTRAINT_PROPERTY = "delta.constraints."
"""Delta keeps each CHECK constraint as a table property under this prefix (name lowercased)."""


def quote(name: str, field: str = "name") -> str:
    """A checked identifier in backticks."""
    return f"`{check_name(name, field)}`"


@dataclass(frozen=True)
class TableName:
    """A table's three-part Unity Catalog name; each part is checked when the name is made."""

    catalog: str
    schema: str
    table: str

    def __post_init__(self) -> None:
        check_name(self.catalog, "--catalog")
        check_name(self.schema, "--schema")
        check_name(self.table, "table")

    def __str__(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.table}"

    @property
    def sql(self) -> str:
        return ".".join(quote(part) for part in (self.catalog, self.schema, self.table))


def column_definition(field: pa.Field) -> str:
    """One column as Spark SQL DDL, typed the way Spark converts the Arrow batches the store writes."""
    from pyspark.sql.pandas.types import from_arrow_type

    column = f"{quote(field.name, 'column')} {from_arrow_type(field.type).simpleString()}"
    return column if field.nullable else f"{column} NOT NULL"


def column_definitions(spec: TableSpec) -> str:
    return ", ".join(column_definition(f) for f in spec.schema)


def create_table(name: TableName, spec: TableSpec) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {name.sql} ({column_definitions(spec)}) USING DELTA "
        "TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')"
    )


def show_columns(name: TableName) -> str:
    return f"SHOW COLUMNS IN {name.sql}"


def missing_columns(spec: TableSpec, columns: list[str]) -> list[pa.Field]:
    """The spec's columns that the table does not have yet (nullable ones only can be added)."""
    have = {column.lower() for column in columns}
    return [f for f in spec.schema if f.name.lower() not in have]


def add_columns(name: TableName, fields: list[pa.Field]) -> str:
    return f"ALTER TABLE {name.sql} ADD COLUMNS ({', '.join(column_definition(f) for f in fields)})"


def show_properties(name: TableName) -> str:
    return f"SHOW TBLPROPERTIES {name.sql}"


def missing_constraints(spec: TableSpec, properties: dict[str, str]) -> list[str]:
    """The spec's CHECK constraints that the table's properties do not hold yet."""
    return [c for c in spec.constraints if f"{CONSTRAINT_PROPERTY}{c.lower()}" not in properties]


def add_constraint(name: TableName, constraint: str, expression: str) -> str:
    return f"ALTER TABLE {name.sql} ADD CONSTRAINT {quote(constraint, 'constraint')} CHECK ({expression})"


def _on_keys(spec: TableSpec) -> str:
    return " AND ".join(f"t.{quote(key, 'key')} = s.{quote(key, 'key')}" for key in spec.keys)


def merge_upsert(name: TableName, spec: TableSpec, view: str) -> str:
    return (
        f"MERGE INTO {name.sql} AS t USING {quote(view, 'view')} AS s ON {_on_keys(spec)} "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
    )


def merge_delete(name: TableName, spec: TableSpec, view: str) -> str:
    return (
        f"MERGE INTO {name.sql} AS t USING {quote(view, 'view')} AS s ON {_on_keys(spec)} "
        "WHEN MATCHED THEN DELETE"
    )


def describe_history(name: TableName) -> str:
    """Delta SQL: the latest commit of the table (its `version` column)."""
    return f"DESCRIBE HISTORY {name.sql} LIMIT 1"


def restore_table(name: TableName, version: int) -> str:
    """Delta SQL: put the table back at `version`."""
    if not isinstance(version, int) or version < 0:
        raise ValueError(f"a table version is a non-negative integer, not {version!r}")
    return f"RESTORE TABLE {name.sql} TO VERSION AS OF {version}"


@contextmanager
def temporary_view(spark, rows: pa.Table) -> Iterator[str]:
    """`rows` as a uniquely named temporary view (the MERGE source), dropped afterwards."""
    view = f"lakeward_source_{uuid.uuid4().hex}"
    spark.createDataFrame(rows).createOrReplaceTempView(view)
    try:
        yield view
    finally:
        spark.catalog.dropTempView(view)


def to_arrow(frame, schema: pa.Schema) -> pa.Table:
    """A DataFrame's `schema` columns as Arrow, in the schema's types (Spark hands back looser ones)."""
    return conform(frame.select(*schema.names).toArrow(), schema)


class CatalogTables:
    """The pipeline's Delta tables under `catalog.schema`, through a Spark session with Unity Catalog
    and Delta (a Databricks job's)."""

    def __init__(self, spark, catalog: str, schema: str) -> None:
        self.spark, self.catalog, self.schema = spark, catalog, schema
        self._ready: set[str] = set()

    def name(self, spec: TableSpec) -> TableName:
        return TableName(self.catalog, self.schema, spec.name)

    def full_name(self, spec: TableSpec) -> str:
        return str(self.name(spec))

    def table(self, spec: TableSpec) -> TableName:
        """The table's name, creating the table (columns, change data feed, constraints) on first use."""
        name = self.name(spec)
        if spec.name not in self._ready:
            self._create(name, spec)
            columns = [row[0] for row in self.spark.sql(show_columns(name)).collect()]
            missing = missing_columns(spec, columns)
            if missing:
                self.spark.sql(add_columns(name, missing))
            properties = {row.key: row.value for row in self.spark.sql(show_properties(name)).collect()}
            for constraint in missing_constraints(spec, properties):
                self.spark.sql(add_constraint(name, constraint, spec.constraints[constraint]))
            self._ready.add(spec.name)
        return name

    def _create(self, name: TableName, spec: TableSpec) -> None:
        """CREATE TABLE IF NOT EXISTS, the store's first statement: a session without Unity Catalog or
        Delta (or a principal that may not create tables) stops the run here, with Spark's reason."""
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        try:
            self.spark.sql(create_table(name, spec))
        except (PySparkException, Py4JJavaError) as exc:
            java = getattr(exc, "java_exception", None)
            reason = (java.getMessage() if java is not None else str(exc)).strip().splitlines()[0]
            raise LakewardError(
                f"Spark cannot create {name}: {reason}",
                field="--tables",
                fix="run with a Unity Catalog and Delta session (a Databricks job) whose principal may "
                "create tables in the schema, or use --tables path",
            ) from exc

    def read(self, spec: TableSpec, columns: list[str] | None = None) -> pa.Table:
        schema = spec.schema if columns is None else pa.schema([spec.schema.field(c) for c in columns])
        return to_arrow(self.spark.table(self.table(spec).sql), schema)

    def _version(self, spec: TableSpec) -> int:
        return int(self.spark.sql(describe_history(self.table(spec))).first()["version"])

    def versions(self) -> dict[str, int]:
        return {spec.name: self._version(spec) for spec in DATA_TABLES}

    def restore(self, versions: dict[str, int]) -> None:
        """Put each data table back at the given version (the last good one)."""
        for spec in DATA_TABLES:
            if self._version(spec) != versions[spec.name]:
                self.spark.sql(restore_table(self.name(spec), versions[spec.name]))

    def _merge(
        self, statement: Callable[[TableName, TableSpec, str], str], spec: TableSpec, rows: pa.Table
    ) -> None:
        name = self.table(spec)
        with temporary_view(self.spark, rows) as view:
            self.spark.sql(statement(name, spec, view))

    def upsert(self, spec: TableSpec, rows: pa.Table) -> None:
        """MERGE rows on the table's key: update what matches, insert the rest."""
        if rows.num_rows:
            self._merge(merge_upsert, spec, rows.select(spec.schema.names).cast(spec.schema))

    def delete(self, spec: TableSpec, keys: pa.Table) -> None:
        """MERGE-delete the rows whose key is in `keys` (recorded as deletes in the change data feed)."""
        if keys.num_rows:
            self._merge(merge_delete, spec, keys.select(list(spec.keys)))
