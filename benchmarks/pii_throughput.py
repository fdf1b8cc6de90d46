"""Scrub stage speed: SciFact documents per second through the scrub stage at 1..N spaCy processes,
against the CPU embed stage (fp32) on the same documents' chunks. Target: on 2 cores, scrubbing is at
least as fast as embedding.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pyarrow as pa

from benchmarks.common import SCIFACT, verdict
from workloads.chunking import CHUNK_SCHEMA, chunk_batch
from workloads.config import EmbedConfig, PiiConfig, PipelineConfig
from workloads.corpus import read_corpus
from workloads.embedding import embed_batch, set_threads
from workloads.normalize import normalize_batch
from workloads.pii import scrub_batch
from workloads.privacy.detection import default_processes, detector

DOCUMENTS = 256


def main() -> bool:
    config = PipelineConfig()
    raw = read_corpus(SCIFACT, limit=DOCUMENTS)
    normalized = pa.Table.from_batches([normalize_batch(b, config.normalize) for b in raw.to_batches()])
    batch = normalized.combine_chunks().to_batches()[0]
    detector().analyze(["Warm-up for Ada Lovelace at ada@example.com."])
    rates = {}
    for processes in range(1, max(2, default_processes()) + 1):
        begin = time.perf_counter()
        scrub_batch(batch, replace(PiiConfig(), processes=processes))
        rates[processes] = DOCUMENTS / (time.perf_counter() - begin)
    chunks = pa.Table.from_batches(
        [chunk_batch(b, config.chunk) for b in normalized.to_batches()], CHUNK_SCHEMA
    )
    embed_config = EmbedConfig()
    set_threads(embed_config)
    to_embed = chunks.select(["chunk_id", "text"])
    embed_batch(to_embed.slice(0, 16).to_batches()[0], embed_config)
    begin = time.perf_counter()
    for part in to_embed.to_batches(max_chunksize=256):
        embed_batch(part, embed_config)
    embed_rate = DOCUMENTS / (time.perf_counter() - begin)
    print(f"SciFact, {DOCUMENTS} documents ({chunks.num_rows} chunks):")
    for processes, rate in rates.items():
        print(f"  scrub, {processes} process(es): {rate:6.1f} docs/s (x{rate / rates[1]:.2f} of one process)")
    print(f"  embed stage, CPU fp32:    {embed_rate:6.1f} docs/s")
    return verdict("scrub / embed throughput", max(rates.values()) / embed_rate, 1.0)
