"""The Spark engine runs the same stages through mapInArrow and gives the local engine's results."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from workloads import chunking, pipeline
from workloads.config import PipelineConfig
from workloads.engines.local import LocalEngine
from workloads.engines.spark import SparkEngine

pytestmark = pytest.mark.slow


def test_spark_engine_matches_local_chunk_ids_and_embeddings(corpus: Path, tmp_path: Path, spark) -> None:
    config = PipelineConfig(commit_every=4)
    local = pipeline.run_pipeline(corpus, tmp_path / "local", config, engine=LocalEngine())
    remote = pipeline.run_pipeline(corpus, tmp_path / "spark", config, engine=SparkEngine(spark))
    assert remote.engine == "spark" and (remote.documents, remote.chunks) == (local.documents, local.chunks)

    def read(root: Path, name: str) -> pa.Table:
        return DeltaTable(str(root / "llm_dev" / "curated" / name)).to_pyarrow_table().sort_by("chunk_id")

    assert read(tmp_path / "spark", "chunks")["chunk_id"] == read(tmp_path / "local", "chunks")["chunk_id"]
    a = np.array(read(tmp_path / "local", "embeddings")["embedding"].to_pylist())
    b = np.array(read(tmp_path / "spark", "embeddings")["embedding"].to_pylist())
    assert np.min(np.sum(a * b, axis=1)) > 0.999


def test_spark_stage_over_parquet(corpus: Path, tmp_path: Path, spark) -> None:
    """The shape used in tests on one machine: a parquet table in, the stage's parquet table out."""
    run = pipeline.open_run(tmp_path / "lh", engine="local")
    with run.started():
        pipeline.ingest(run, pipeline.read(run, corpus))
    documents = DeltaTable(str(tmp_path / "lh" / "llm_dev" / "curated" / "documents")).to_pyarrow_table()
    pq.write_table(documents, tmp_path / "documents.parquet")
    from pyspark.sql.pandas.types import from_arrow_schema

    stage = partial(chunking.chunk_batch, config=run.config.chunk)
    frame = spark.read.parquet(str(tmp_path / "documents.parquet")).mapInArrow(
        lambda batches: (stage(b) for b in batches), from_arrow_schema(chunking.CHUNK_SCHEMA)
    )
    frame.write.parquet(str(tmp_path / "chunks.parquet"))
    spark_ids = sorted(pq.read_table(tmp_path / "chunks.parquet")["chunk_id"].to_pylist())
    local_ids = sorted(
        DeltaTable(str(tmp_path / "lh" / "llm_dev" / "curated" / "chunks"))
        .to_pyarrow_table()["chunk_id"]
        .to_pylist()
    )
    assert spark_ids == local_ids
