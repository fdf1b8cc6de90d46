"""`lakeward maintain`: after several incremental runs, fewer live files and the same rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deltalake import DeltaTable

from lakeward.errors import LakewardError
from tests.cli import run_cli
from workloads.maintenance import maintain_lakehouse, statements
from workloads.pipeline import run_pipeline

from .conftest import write_corpus


@pytest.fixture
def grown(tmp_path: Path) -> Path:
    """A lakehouse after a first run and two incremental runs that each change one document."""
    corpus = write_corpus(tmp_path / "corpus")
    lakehouse = tmp_path / "lakehouse"
    run_pipeline(corpus, lakehouse)
    files = sorted(p for p in corpus.rglob("*.md"))
    for round_ in range(2):
        target = files[round_ % len(files)]
        target.write_text(target.read_text() + f"\n\nRevision {round_}: the on-call rota changed.\n")
        run_pipeline(corpus, lakehouse)
    return lakehouse


def _rows(path: Path) -> list[dict]:
    table = DeltaTable(str(path)).to_pyarrow_table()
    key = "chunk_id" if "chunk_id" in table.column_names else table.column_names[0]
    return sorted(table.to_pylist(), key=lambda row: str(row[key]))


def test_upkeep_leaves_fewer_files_and_the_same_rows(grown: Path) -> None:
    tables = {log.parent.name: log.parent for log in grown.rglob("_delta_log")}
    before = {name: _rows(path) for name, path in tables.items()}
    last_good = DeltaTable(str(tables["chunks"])).version()
    results = {r.table: r for r in maintain_lakehouse(grown)}
    assert sum(r.files_after for r in results.values()) < sum(r.files_before for r in results.values())
    for name in ("chunks", "embeddings", "documents"):
        # Small tables compact to one file; a table already in one file is left as it is.
        assert results[name].files_after == 1 <= results[name].files_before, results[name]
        assert results[name].rows == len(before[name])
    assert results["chunks"].files_before > 1 and results["embeddings"].files_before > 1
    assert results["chunks"].z_order == ["tenant", "classification", "source", "doc_id"]
    assert {name: _rows(path) for name, path in tables.items()} == before
    # Nothing newer than the retention is vacuumed: time travel to the last good version still works.
    travelled = DeltaTable(str(tables["chunks"]), version=last_good).to_pyarrow_table()
    assert travelled.num_rows == len(before["chunks"])


def test_retention_below_what_readers_need_is_refused(grown: Path) -> None:
    with pytest.raises(LakewardError) as caught:
        maintain_lakehouse(grown, retain_hours=1)
    assert caught.value.field == "--retain-hours"
    result = run_cli("maintain", "--lakehouse", str(grown), "--retain-hours", "0")
    assert result.exit_code == 2 and "--retain-hours" in result.stderr


def test_cli_reports_files_and_bytes_before_and_after(grown: Path, tmp_path: Path) -> None:
    result = run_cli("maintain", "--lakehouse", str(grown), "--json")
    assert result.exit_code == 0
    tables = {t["table"]: t for t in json.loads(result.stdout)["tables"]}
    assert {"documents", "chunks", "embeddings"} <= set(tables)
    assert all(
        {"files_before", "files_after", "bytes_before", "bytes_after", "rows"} <= set(t)
        for t in tables.values()
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("maintain", "--lakehouse", str(empty)).exit_code == 2


def test_databricks_statements_zorder_the_retrieval_columns() -> None:
    sql = statements("llm_dev", "curated", retain_hours=24)
    assert (
        "OPTIMIZE `llm_dev`.`curated`.`chunks` ZORDER BY (`tenant`, `classification`, `source`, `doc_id`)"
        in sql
    )
    assert "VACUUM `llm_dev`.`curated`.`embeddings` RETAIN 168 HOURS" in sql
    with pytest.raises(LakewardError):
        statements("llm_dev; DROP", "curated")
