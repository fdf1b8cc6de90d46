"""The Unity Catalog table store's statements, checked by real Spark: its parser and its analyzer.

delta-spark's jars cannot be fetched here, so no Delta statement executes in these tests. What they
prove: every Spark SQL statement the store sends parses to the intended plan; the MERGEs resolve
(columns, keys, aliases, `SET *`/`INSERT *`) against parquet tables made from the same column
definitions, with a source view registered the way the store registers it; a planted mistake fails
that analysis; bad names are refused before any SQL is built. `DESCRIBE HISTORY ... LIMIT 1` and
`RESTORE TABLE ... TO VERSION AS OF n` are Delta's own grammar, which Spark's parser does not know:
only their table name is parsed here. The statements run for real only on Databricks.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pyarrow as pa
import pytest
from pyspark.sql.pandas.types import from_arrow_schema

from lakeward.errors import LakewardError
from workloads.catalog_tables import (
    CatalogTables,
    TableName,
    add_columns,
    add_constraint,
    column_definitions,
    create_table,
    describe_history,
    merge_delete,
    merge_upsert,
    missing_columns,
    missing_constraints,
    restore_table,
    show_columns,
    show_properties,
    temporary_view,
    to_arrow,
)
from workloads.embedding import EMBEDDING_TYPE
from workloads.tables import CHUNKS, DOCUMENTS, EMBEDDINGS, QUALITY, QUARANTINE, TIMESTAMP, TableSpec

SPECS = (DOCUMENTS, CHUNKS, EMBEDDINGS, QUALITY, QUARANTINE)
NAME = TableName("llm_dev", "curated", "chunks")
SAMPLE = {
    pa.string(): "x",
    pa.int32(): 1,
    pa.bool_(): True,
    EMBEDDING_TYPE: [0.6, 0.8],
    TIMESTAMP: datetime(2026, 11, 26, tzinfo=UTC),
}


def test_statements_quote_checked_names() -> None:
    assert merge_upsert(NAME, CHUNKS, "src") == (
        "MERGE INTO `llm_dev`.`curated`.`chunks` AS t USING `src` AS s "
        "ON t.`doc_id` = s.`doc_id` AND t.`chunk_id` = s.`chunk_id` "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
    )
    assert merge_delete(NAME, CHUNKS, "src").endswith(
        "ON t.`doc_id` = s.`doc_id` AND t.`chunk_id` = s.`chunk_id` WHEN MATCHED THEN DELETE"
    )
    assert create_table(NAME, EMBEDDINGS).startswith(
        "CREATE TABLE IF NOT EXISTS `llm_dev`.`curated`.`chunks` (`chunk_id` string NOT NULL, "
    )
    assert "`embedding` array<float> NOT NULL" in create_table(NAME, EMBEDDINGS)
    assert create_table(NAME, EMBEDDINGS).endswith(
        "USING DELTA TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')"
    )
    assert describe_history(NAME) == "DESCRIBE HISTORY `llm_dev`.`curated`.`chunks` LIMIT 1"
    assert restore_table(NAME, 7) == "RESTORE TABLE `llm_dev`.`curated`.`chunks` TO VERSION AS OF 7"


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        (("llm-dev", "curated", "chunks"), "--catalog"),
        (("llm_dev", "cur`ated", "chunks"), "--schema"),
        (("llm_dev", "curated", "chunks; DROP TABLE x"), "table"),
        (("", "curated", "chunks"), "--catalog"),
        (("llm_dev", "1curated", "chunks"), "--schema"),
    ],
)
def test_a_bad_name_is_refused_before_any_sql(parts: tuple[str, str, str], field: str) -> None:
    with pytest.raises(LakewardError) as error:
        TableName(*parts)
    assert error.value.field == field and error.value.exit_code == 2


def test_bad_columns_views_and_versions_are_refused() -> None:
    spec = TableSpec("chunks", pa.schema([pa.field("bad name", pa.string())]), ("bad name",), {})
    with pytest.raises(LakewardError):
        merge_upsert(NAME, spec, "src")
    with pytest.raises(LakewardError):
        merge_delete(NAME, CHUNKS, "src` s ON 1=1 --")
    with pytest.raises(ValueError):
        restore_table(NAME, -1)


def test_only_missing_constraints_are_added() -> None:
    properties = {"delta.constraints.doc_id_not_empty": "doc_id <> ''", "delta.enableChangeDataFeed": "true"}
    assert missing_constraints(DOCUMENTS, properties) == ["pii_total_not_negative", "duplicate_not_chunked"]
    assert missing_constraints(QUALITY, {}) == []


def test_a_table_made_before_a_column_joined_its_spec_gains_it() -> None:
    before = [f.name.upper() for f in DOCUMENTS.schema if f.name != "duplicate_of"]
    assert [f.name for f in missing_columns(DOCUMENTS, before)] == ["duplicate_of"]
    assert missing_columns(DOCUMENTS, DOCUMENTS.schema.names) == []
    name = TableName("llm_dev", "curated", "documents")
    assert add_columns(name, missing_columns(DOCUMENTS, before)) == (
        "ALTER TABLE `llm_dev`.`curated`.`documents` ADD COLUMNS (`duplicate_of` string)"
    )
    assert show_columns(name) == "SHOW COLUMNS IN `llm_dev`.`curated`.`documents`"


def _parse(spark, sql: str):
    return spark._jsparkSession.sessionState().sqlParser().parsePlan(sql)


def _analyze(spark, sql: str):
    """Parse and analyze `sql` without executing it; return the query execution."""
    state = spark._jsparkSession.sessionState()
    skip = spark._jvm.org.apache.spark.sql.execution.CommandExecutionMode.SKIP()
    execution = state.executePlan(state.sqlParser().parsePlan(sql), skip)
    execution.assertAnalyzed()
    return execution


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_every_spark_statement_parses_to_its_plan(spark, spec: TableSpec) -> None:
    name = TableName("llm_dev", "curated", spec.name)
    create = _parse(spark, create_table(name, spec))
    assert create.getClass().getSimpleName() == "CreateTable" and create.ignoreIfExists()
    assert create.tableSpec().provider().get() == "DELTA"
    assert create.tableSpec().properties().get("delta.enableChangeDataFeed").get() == "true"
    columns = create.columns()
    parsed = [
        (columns.apply(i).name(), columns.apply(i).dataType().simpleString(), columns.apply(i).nullable())
        for i in range(columns.size())
    ]
    expected = from_arrow_schema(spec.schema)
    assert parsed == [(f.name, f.dataType.simpleString(), f.nullable) for f in expected.fields]
    for constraint, expression in spec.constraints.items():
        plan = _parse(spark, add_constraint(name, constraint, expression))
        assert plan.getClass().getSimpleName() == "AddCheckConstraint"
        assert constraint in plan.toString()
    for statement in (merge_upsert, merge_delete):
        assert _parse(spark, statement(name, spec, "src")).getClass().getSimpleName() == "MergeIntoTable"
    assert _parse(spark, show_properties(name)).getClass().getSimpleName() == "ShowTableProperties"
    assert _parse(spark, show_columns(name)).getClass().getSimpleName() == "ShowColumns"
    added = _parse(spark, add_columns(name, list(spec.schema)[-1:]))
    assert added.getClass().getSimpleName() == "AddColumns"


@pytest.mark.slow
def test_an_old_documents_table_gains_duplicate_of_and_the_labels_and_then_matches_the_spec(
    spark, tmp_path
) -> None:
    spark.sql(f"CREATE DATABASE lakeward_migrate LOCATION '{tmp_path}'")
    try:
        name = TableName("spark_catalog", "lakeward_migrate", "documents")
        first = DOCUMENTS.schema.get_field_index("duplicate_of")
        old = replace(DOCUMENTS, schema=pa.schema(list(DOCUMENTS.schema)[:first]))
        spark.sql(f"CREATE TABLE {name.sql} ({column_definitions(old)}) USING PARQUET")
        columns = [row[0] for row in spark.sql(show_columns(name)).collect()]
        spark.sql(add_columns(name, missing_columns(DOCUMENTS, columns)))
        assert (
            from_arrow_schema(DOCUMENTS.schema).simpleString() == spark.table(name.sql).schema.simpleString()
        )
    finally:
        spark.sql("DROP DATABASE lakeward_migrate CASCADE")


@pytest.mark.slow
def test_delta_statements_name_the_table_spark_parses(spark) -> None:
    """Delta grammar (DeltaSqlBase.g4: #describeDeltaHistory, #restore), not Spark's: only the name part
    is Spark's `multipartIdentifier`, and it parses to the three checked parts."""
    parser = spark._jsparkSession.sessionState().sqlParser()
    for statement, prefix, suffix in (
        (describe_history(NAME), "DESCRIBE HISTORY ", " LIMIT 1"),
        (restore_table(NAME, 3), "RESTORE TABLE ", " TO VERSION AS OF 3"),
    ):
        assert statement.startswith(prefix) and statement.endswith(suffix)
        parts = parser.parseMultipartIdentifier(statement[len(prefix) : -len(suffix)])
        assert [parts.apply(i) for i in range(parts.size())] == ["llm_dev", "curated", "chunks"]


@pytest.fixture(scope="module")
def parquet_tables(spark, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`spark_catalog.lakeward_test.<table>` as parquet tables from the store's own column definitions."""
    location = tmp_path_factory.mktemp("lakeward_test")
    spark.sql(f"CREATE DATABASE lakeward_test LOCATION '{location}'")
    for spec in SPECS:
        name = TableName("spark_catalog", "lakeward_test", spec.name)
        spark.sql(f"CREATE TABLE {name.sql} ({column_definitions(spec)}) USING PARQUET")
    yield "lakeward_test"
    spark.sql("DROP DATABASE lakeward_test CASCADE")


def _rows(spec: TableSpec) -> pa.Table:
    """One row of the spec's schema, as the pipeline writes it."""
    return pa.table({f.name: pa.array([SAMPLE[f.type]], f.type) for f in spec.schema}, schema=spec.schema)


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_merges_resolve_against_tables_of_the_same_schema(
    spark, parquet_tables: str, spec: TableSpec
) -> None:
    name = TableName("spark_catalog", parquet_tables, spec.name)
    assert from_arrow_schema(spec.schema).simpleString() == spark.table(name.sql).schema.simpleString()
    rows = _rows(spec)
    for statement, source, actions in (
        (merge_upsert, rows, ("updateaction", "insertaction")),
        (merge_delete, rows.select(list(spec.keys)), ("deleteaction",)),
    ):
        with temporary_view(spark, source) as view:
            execution = _analyze(spark, statement(name, spec, view))
            plan = execution.analyzed()
            assert plan.getClass().getSimpleName() == "MergeIntoTable" and plan.resolved()
            assert all(action in plan.toString() for action in actions)
            # Only physical planning refuses it: a parquet (v1) table cannot be MERGEd into; Delta can.
            with pytest.raises(Exception, match=r"UNSUPPORTED_FEATURE\.TABLE_OPERATION"):
                execution.executedPlan()
        assert view not in [t.name for t in spark.catalog.listTables()]
    for expression in spec.constraints.values():
        _analyze(spark, f"SELECT count(*) FROM {name.sql} WHERE NOT ({expression})")


@pytest.mark.slow
def test_a_planted_mistake_fails_the_analysis(spark, parquet_tables: str) -> None:
    name = TableName("spark_catalog", parquet_tables, "chunks")
    wrong_key = replace(CHUNKS, keys=("doc_id", "chunkid"))
    with temporary_view(spark, _rows(CHUNKS)) as view, pytest.raises(Exception, match="UNRESOLVED_COLUMN"):
        _analyze(spark, merge_upsert(name, wrong_key, view))
    missing = _rows(CHUNKS).drop_columns(["updated_at"])
    with (
        temporary_view(spark, missing) as view,
        pytest.raises(Exception, match=r"UNRESOLVED_COLUMN.*`updated_at`"),
    ):
        _analyze(spark, merge_upsert(name, CHUNKS, view))


@pytest.mark.slow
def test_rows_come_back_in_the_specs_types(spark, parquet_tables: str) -> None:
    for spec in SPECS:
        rows = _rows(spec)
        name = TableName("spark_catalog", parquet_tables, spec.name)
        spark.createDataFrame(rows).write.insertInto(name.sql)
        frame = spark.table(name.sql)
        assert to_arrow(frame, spec.schema).equals(rows)
        assert to_arrow(frame, pa.schema([spec.schema.field(k) for k in spec.keys])).num_rows == 1


@pytest.mark.slow
def test_the_store_sends_its_statements_to_spark(spark, parquet_tables: str) -> None:
    """Run locally, the store gets as far as Spark's lookup of the Delta provider (absent here), and
    stops with Spark's reason; a catalog this session lacks stops it the same way."""
    store = CatalogTables(spark, "spark_catalog", parquet_tables)
    assert store.full_name(DOCUMENTS) == f"spark_catalog.{parquet_tables}.documents"
    with pytest.raises(LakewardError, match=r"\[DATA_SOURCE_NOT_FOUND\] .* DELTA") as error:
        store.versions()
    assert error.value.field == "--tables" and "--tables path" in error.value.fix
    with pytest.raises(LakewardError, match="REQUIRES_SINGLE_PART_NAMESPACE"):
        CatalogTables(spark, "llm_dev", "curated").read(CHUNKS)
