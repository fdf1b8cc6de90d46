"""Shared inputs: SciFact abstracts from ../shared/data/scifact, chunked by the pipeline's own stages."""

from __future__ import annotations

from functools import partial

import pyarrow as pa

from lakeward.locate import scifact_dir
from workloads.chunking import chunk_batch
from workloads.config import PipelineConfig
from workloads.corpus import read_corpus
from workloads.pipeline import prepare_batch

SCIFACT = scifact_dir() / "corpus.jsonl"


def scifact_chunks(documents: int) -> pa.Table:
    """(chunk_id, text) of the first `documents` SciFact abstracts, as the pipeline would embed them."""
    config = PipelineConfig()
    raw = read_corpus(SCIFACT, limit=documents).documents
    prepared = pa.Table.from_batches([partial(prepare_batch, config=config)(b) for b in raw.to_batches()])
    chunks = pa.Table.from_batches([chunk_batch(b, config.chunk) for b in prepared.to_batches()])
    return chunks.select(["chunk_id", "text"])


def verdict(label: str, value: float, target: float, higher_is_better: bool = True) -> bool:
    met = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    print(f"  {label}: {value:.3f} (target {sign} {target}) {'MET' if met else 'MISSED'}")
    return met
