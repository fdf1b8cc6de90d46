"""The Spark engine: the same stages through `mapInArrow`, one Arrow batch per partition.

On Databricks it uses the job's session; elsewhere it starts `local[2]`. Each Python worker loads the
model once (a module-level cache survives because workers are reused) and gets its share of cores.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from workloads.engines import Progress, Stage, conform


def spark_session(master: str = "local[2]"):
    """The active session, or a small local one tuned for Arrow batches (its catalog's warehouse, which
    only tests touch, in the temporary folder rather than the working directory)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(master)
        .appName("lakeward-workloads")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.python.worker.reuse", "true")
        .config("spark.driver.memory", "2g")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "lakeward-spark-warehouse"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _apply(stage: Stage, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        yield stage(batch)


class SparkEngine:
    name = "spark"

    def __init__(self, spark=None) -> None:
        self.spark = spark or spark_session()
        self.workers = self.spark.sparkContext.defaultParallelism

    def map_batches(
        self, table: pa.Table, stage: Stage, schema: pa.Schema, batch_rows: int, progress: Progress
    ) -> Iterator[pa.Table]:
        """One Spark job per slice of `batch_rows * workers` rows, each partition one Arrow batch."""
        from functools import partial

        from pyspark.sql.pandas.types import from_arrow_schema

        spark_schema = from_arrow_schema(schema)
        slice_rows = batch_rows * self.workers
        for offset in range(0, table.num_rows, slice_rows):
            part = table.slice(offset, slice_rows)
            per_partition = max(1, math.ceil(part.num_rows / self.workers))
            self.spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(per_partition))
            frame = self.spark.createDataFrame(part).mapInArrow(partial(_apply, stage), spark_schema)
            result = frame.toArrow()
            progress(part.num_rows)
            yield conform(result, schema)
