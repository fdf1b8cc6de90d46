"""Engines run a stage (a function from an Arrow batch to an Arrow batch) over a table; they know no stage."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import pyarrow as pa

from lakeward.errors import LakewardError

Stage = Callable[[pa.RecordBatch], pa.RecordBatch]
Progress = Callable[[int], None]


class Engine(Protocol):
    name: str
    workers: int

    def map_batches(
        self, table: pa.Table, stage: Stage, schema: pa.Schema, batch_rows: int, progress: Progress
    ) -> Iterator[pa.Table]:
        """Apply `stage` to `table` in batches; yield results as they finish and report rows done."""
        ...


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Columns in the schema's order and types (engines hand back equal data with looser nullability)."""
    return pa.Table.from_arrays(
        [table.column(name).cast(f.type) for name, f in zip(schema.names, schema, strict=True)], schema=schema
    )


def get_engine(name: str) -> Engine:
    """`local` (in this process) or `spark` (PySpark mapInArrow, local[2] unless a session exists)."""
    if name == "local":
        from workloads.engines.local import LocalEngine

        return LocalEngine()
    if name == "spark":
        from workloads.engines.spark import SparkEngine

        return SparkEngine()
    raise LakewardError(
        f"unknown engine {name!r}", field="--engine", fix="use --engine local or --engine spark"
    )
