"""Table upkeep: compact the retrieval tables (Z-ordered by the columns retrieval reads them by) and
vacuum files no reader needs any more.

Every MERGE of an incremental run writes new small files; retrieval then opens many of them. Upkeep
rewrites each table's live files into few large ones, Z-ordered where the reader filters or joins, and
vacuums files that left the table more than `retain_hours` ago. The retention never goes below the
table's own `delta.deletedFileRetentionDuration` (7 days by default), because time travel (the
pipeline restores the last good version after a failed expectation) and change data feed readers
read those files.

Locally `maintain_lakehouse` does it with delta-rs over every Delta table under a lakehouse folder; on
Databricks `statements` gives the same work as SQL for the upkeep job (`OPTIMIZE ... ZORDER BY` and
`VACUUM ... RETAIN n HOURS` on the Unity Catalog tables).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

from deltalake import DeltaTable
from deltalake.exceptions import DeltaError
from rich.table import Table

from lakeward.errors import LakewardError
from workloads.tables import CHUNKS, DOCUMENTS, EMBEDDINGS, check_name

MIN_RETAIN_HOURS = 168
# The columns retrieval filters and joins on, per table; Z-ordering co-locates them in few files.
# Columns a table lacks (one made before the pipeline wrote tenant and classification) are skipped.
Z_ORDER = {
    CHUNKS.name: ["tenant", "classification", "source", "doc_id"],
    EMBEDDINGS.name: ["chunk_id"],
    DOCUMENTS.name: ["doc_id"],
}


@dataclass(frozen=True)
class TableUpkeep:
    """One table before and after: live files and bytes, files on disk, rows (which must not change)."""

    table: str
    files_before: int
    files_after: int
    bytes_before: int
    bytes_after: int
    files_on_disk_before: int
    files_on_disk_after: int
    rows: int
    z_order: list[str]
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _live(table: DeltaTable) -> tuple[int, int]:
    actions = table.get_add_actions(flatten=True)
    sizes = [int(size) for size in actions.column("size_bytes").to_pylist()] if actions.num_rows else []
    return len(sizes), int(sum(sizes))


def _on_disk(path: Path) -> int:
    return sum(1 for p in path.rglob("*.parquet") if "_delta_log" not in p.parts)


def delta_tables(lakehouse: Path) -> list[Path]:
    """Every Delta table under a lakehouse folder (a folder holding `_delta_log/`), by path."""
    if not lakehouse.is_dir():
        raise LakewardError(
            "not a folder", source=str(lakehouse), field="--lakehouse", fix="pass a lakehouse folder"
        )
    found = sorted(log.parent for log in lakehouse.rglob("_delta_log") if log.is_dir())
    if not found:
        raise LakewardError(
            "no Delta table under this folder",
            source=str(lakehouse),
            field="--lakehouse",
            fix="pass the folder `lakeward pipeline run --lakehouse` wrote",
        )
    return found


def maintain_table(path: Path, retain_hours: int) -> TableUpkeep:
    """Compact (Z-ordered for the retrieval tables) and vacuum one table; its rows stay the same."""
    started = time.perf_counter()
    table = DeltaTable(str(path))
    files_before, bytes_before = _live(table)
    disk_before = _on_disk(path)
    rows = table.to_pyarrow_dataset().count_rows()
    columns = [c for c in Z_ORDER.get(path.name, []) if c in table.schema().to_arrow().names]
    if files_before > 1:
        if columns:
            table.optimize.z_order(columns)
        else:
            table.optimize.compact()
    table = DeltaTable(str(path))
    try:
        table.vacuum(retention_hours=retain_hours, dry_run=False, enforce_retention_duration=True)
    except DeltaError as exc:
        raise LakewardError(
            f"vacuum refused: {exc}",
            source=str(path),
            field="--retain-hours",
            fix=f"keep at least the table's deleted-file retention ({MIN_RETAIN_HOURS} hours by default)",
        ) from None
    table = DeltaTable(str(path))
    files_after, bytes_after = _live(table)
    after_rows = table.to_pyarrow_dataset().count_rows()
    if after_rows != rows:  # compaction rewrites files, never rows
        raise LakewardError(f"row count changed from {rows} to {after_rows}", source=str(path))
    return TableUpkeep(
        path.name,
        files_before,
        files_after,
        bytes_before,
        bytes_after,
        disk_before,
        _on_disk(path),
        rows,
        columns,
        round(time.perf_counter() - started, 3),
    )


def maintain_lakehouse(lakehouse: Path, retain_hours: int = MIN_RETAIN_HOURS) -> list[TableUpkeep]:
    """Upkeep of every Delta table under `lakehouse`."""
    if retain_hours < MIN_RETAIN_HOURS:
        raise LakewardError(
            f"{retain_hours} hours is below the {MIN_RETAIN_HOURS}-hour retention that time travel and "
            "change data feed readers rely on",
            field="--retain-hours",
            fix=f"use {MIN_RETAIN_HOURS} or more",
        )
    return [maintain_table(path, retain_hours) for path in delta_tables(lakehouse)]


def statements(catalog: str, schema: str, retain_hours: int = MIN_RETAIN_HOURS) -> list[str]:
    """The same upkeep as Spark SQL on Unity Catalog tables, for the scheduled upkeep job."""
    check_name(catalog, "--catalog")
    check_name(schema, "--schema")
    out = []
    for spec in (DOCUMENTS, CHUNKS, EMBEDDINGS):
        name = f"`{catalog}`.`{schema}`.`{spec.name}`"
        columns = ", ".join(f"`{c}`" for c in Z_ORDER[spec.name] if c in spec.schema.names)
        out.append(f"OPTIMIZE {name} ZORDER BY ({columns})")
        out.append(f"VACUUM {name} RETAIN {max(retain_hours, MIN_RETAIN_HOURS)} HOURS")
    return out


def upkeep_table(results: list[TableUpkeep]) -> Table:
    """The human view: per table, live files and bytes before and after, files on disk, rows."""
    table = Table(title="table upkeep")
    for column in ("table", "files", "MB", "on disk", "rows", "z-order", "s"):
        table.add_column(column, justify="left" if column in ("table", "z-order") else "right")
    for r in results:
        table.add_row(
            r.table,
            f"{r.files_before} -> {r.files_after}",
            f"{r.bytes_before / 1e6:.2f} -> {r.bytes_after / 1e6:.2f}",
            f"{r.files_on_disk_before} -> {r.files_on_disk_after}",
            str(r.rows),
            ", ".join(r.z_order) or "-",
            f"{r.seconds:.2f}",
        )
    return table
