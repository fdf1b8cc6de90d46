"""Spark engine throughput against the local engine: the embed stage over the same chunks.

Both engines run the pipeline's own embed stage; Spark uses mapInArrow on local[2] (one Arrow batch
per partition, one torch thread per worker, the model loaded once per worker), the local engine one
process with two torch threads. Session start and model loading are warmed up before timing.
"""

from __future__ import annotations

import time
from dataclasses import replace
from functools import partial

from benchmarks.common import scifact_chunks, verdict
from workloads.config import EmbedConfig
from workloads.embedding import embed_batch
from workloads.engines.local import LocalEngine
from workloads.engines.spark import SparkEngine, spark_session
from workloads.pipeline import EMBEDDED_SCHEMA

DOCUMENTS, ROUNDS = 60, 2


def _run(engine, table, batch_rows: int) -> float:
    stage = partial(embed_batch, config=replace(EmbedConfig(), workers=engine.workers))
    begin = time.perf_counter()
    rows = sum(
        part.num_rows
        for part in engine.map_batches(table, stage, EMBEDDED_SCHEMA, batch_rows, lambda n: None)
    )
    assert rows == table.num_rows
    return time.perf_counter() - begin


def main() -> bool:
    table = scifact_chunks(DOCUMENTS)
    spark = SparkEngine(spark_session("local[2]"))
    local = LocalEngine()
    _run(spark, table.slice(0, 8), 4)
    _run(local, table.slice(0, 8), 4)
    seconds = {"local": 0.0, "spark": 0.0}
    for round_number in range(ROUNDS):
        order = [("local", local), ("spark", spark)]
        for name, engine in order if round_number % 2 == 0 else order[::-1]:
            seconds[name] += _run(engine, table, 256)
    n = table.num_rows * ROUNDS
    print(f"  {table.num_rows} SciFact chunks x {ROUNDS} rounds, alternating order")
    for name, spent in seconds.items():
        print(f"  {name:5s} {n / spent:7.1f} chunks/s ({spent:.2f} s)")
    spark.spark.stop()
    return verdict("spark / local throughput", seconds["local"] / seconds["spark"], 0.8)
