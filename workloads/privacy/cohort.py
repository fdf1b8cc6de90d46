"""k-anonymity of a table: how small the smallest group of rows sharing the quasi-identifiers is.

A row whose quasi-identifier values (age, postcode, job title...) are shared by fewer than k-1 other
rows can be singled out by anyone who knows those values. `check` reports the smallest equivalence
class, the rows in classes below k, and for each quasi-identifier the smallest class after
generalizing it (numbers to ranges, text to a shorter prefix, dates to the year) or suppressing it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from lakeward.errors import LakewardError


@dataclass
class CohortReport:
    k: int
    """The smallest equivalence class (0 for an empty table)."""
    required_k: int
    rows: int
    classes: int
    rows_below_k: int
    classes_below_k: int
    ok: bool
    quasi_identifiers: list[str]
    suggestions: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        verdict = "ok" if self.ok else f"BELOW k={self.required_k}"
        lines = [
            f"k-anonymity on {', '.join(self.quasi_identifiers)}: smallest class {self.k} ({verdict})",
            f"  {self.rows} rows in {self.classes} classes; {self.rows_below_k} rows in "
            f"{self.classes_below_k} classes smaller than {self.required_k}",
        ]
        if not self.ok:
            lines.append("  generalizations (smallest class after each):")
            lines += [f"    {s['column']}: {s['change']} -> k={s['k']}" for s in self.suggestions]
        return "\n".join(lines)


def read_table(path: Path) -> pa.Table:
    """A Delta table (a folder with `_delta_log`), a parquet file or folder, or a CSV file."""
    if not path.exists():
        raise LakewardError(
            f"{path} does not exist", field="PATH", fix="give a Delta table folder, .parquet or .csv"
        )
    if (path / "_delta_log").is_dir():
        from deltalake import DeltaTable

        return DeltaTable(str(path)).to_pyarrow_table()
    if path.suffix.lower() == ".csv":
        from pyarrow import csv

        return csv.read_csv(path)
    if path.is_dir() or path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path)
    raise LakewardError(
        f"{path.name} is neither a Delta table, parquet nor CSV", field="PATH", fix="use .parquet or .csv"
    )


def class_sizes(table: pa.Table, columns: list[str]) -> pa.Array:
    """The size of every equivalence class (rows sharing all `columns`)."""
    if not table.num_rows:
        return pa.array([], pa.int64())
    return (
        table.group_by(columns, use_threads=False)
        .aggregate([([], "count_all")])["count_all"]
        .combine_chunks()
    )


def generalize(column: pa.ChunkedArray) -> tuple[str, pa.ChunkedArray] | None:
    """One step coarser: numbers to ranges of ten, dates to the year, text to one character shorter."""
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return "ranges of 10", pc.multiply(pc.floor(pc.divide(pc.cast(column, pa.float64()), 10)), 10)
    if pa.types.is_temporal(kind):
        return "year only", pc.year(column)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        longest = pc.max(pc.utf8_length(column)).as_py() or 0
        if longest > 1:
            return f"first {longest - 1} characters", pc.utf8_slice_codeunits(column, 0, longest - 1)
    return None


def _smallest(table: pa.Table, columns: list[str]) -> int:
    sizes = class_sizes(table, columns) if columns else pa.array([table.num_rows])
    return int(pc.min(sizes).as_py() or 0)


def check(table: pa.Table, quasi_identifiers: list[str], k: int) -> CohortReport:
    missing = [c for c in quasi_identifiers if c not in table.column_names]
    if not quasi_identifiers or missing:
        raise LakewardError(
            f"quasi-identifiers {missing or '(none)'} are not columns of the table",
            field="--quasi-identifiers",
            fix=f"a comma list of columns from: {', '.join(table.column_names)}",
        )
    if k < 2:
        raise LakewardError(
            f"k={k} protects nothing", field="--k", fix="use k of 2 or more, typically 5 to 20"
        )
    table = table.select(quasi_identifiers)
    sizes = class_sizes(table, quasi_identifiers)
    small = pc.filter(sizes, pc.less(sizes, k))
    suggestions = []
    for column in quasi_identifiers:
        others = [c for c in quasi_identifiers if c != column]
        coarser = generalize(table[column])
        if coarser is not None:
            step, values = coarser
            generalized = table.set_column(table.column_names.index(column), column, values)
            suggestions.append(
                {"column": column, "change": step, "k": _smallest(generalized, quasi_identifiers)}
            )
        suggestions.append({"column": column, "change": "suppress", "k": _smallest(table, others)})
    smallest = int(pc.min(sizes).as_py() or 0) if len(sizes) else 0
    return CohortReport(
        k=smallest,
        required_k=k,
        rows=table.num_rows,
        classes=len(sizes),
        rows_below_k=int(pc.sum(small).as_py() or 0),
        classes_below_k=len(small),
        ok=smallest >= k or table.num_rows == 0,
        quasi_identifiers=quasi_identifiers,
        suggestions=sorted(suggestions, key=lambda s: -s["k"]),
    )


def check_path(path: Path, quasi_identifiers: str, k: int) -> CohortReport:
    """`lakeward privacy check`: the table at `path` against k on the comma-separated columns."""
    return check(read_table(path), [c.strip() for c in quasi_identifiers.split(",") if c.strip()], k)
