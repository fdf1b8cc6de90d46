"""Embedding throughput: the pipeline's embed stage against raw SentenceTransformer.encode, same texts.

Measures raw fp32 encode, the pipeline's fp32 stage (LocalEngine.map_batches over Arrow batches) and
the bf16 fast path on the same slices, in rotating order, so that load on the machine hits each alike.
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np

from benchmarks.common import scifact_chunks, verdict
from workloads.config import EmbedConfig
from workloads.embedding import EMBEDDING_TYPE, embed_batch, load_model, set_threads
from workloads.engines.local import LocalEngine

DOCUMENTS, ROUNDS, SLICE = 80, 2, 32


def _pipeline(table, config: EmbedConfig) -> tuple[float, np.ndarray]:
    import pyarrow as pa

    schema = pa.schema([("chunk_id", pa.string()), ("embedding", EMBEDDING_TYPE)])
    begin = time.perf_counter()
    parts = list(
        LocalEngine().map_batches(table, partial(embed_batch, config=config), schema, 256, lambda n: None)
    )
    seconds = time.perf_counter() - begin
    vectors = np.array([v for part in parts for v in part["embedding"].to_pylist()], dtype=np.float32)
    return seconds, vectors


def main() -> bool:
    table = scifact_chunks(DOCUMENTS)
    texts = table["text"].to_pylist()
    threads = set_threads(EmbedConfig())
    raw = load_model("cpu")
    fp32, bf16 = EmbedConfig(), EmbedConfig(precision="bf16")
    raw.encode(texts[:32], batch_size=32)
    _pipeline(table.slice(0, 32), fp32)
    _pipeline(table.slice(0, 32), bf16)
    seconds = {"raw": 0.0, "fp32": 0.0, "bf16": 0.0}
    reference, ours, fast = [], [], []
    for round_number in range(ROUNDS):
        for turn, start in enumerate(range(0, len(texts), SLICE)):
            part, names = table.slice(start, SLICE), ["raw", "fp32", "bf16"]
            shift = (turn + round_number) % 3
            for name in names[shift:] + names[:shift]:
                if name == "raw":
                    begin = time.perf_counter()
                    vectors = raw.encode(part["text"].to_pylist(), batch_size=32, normalize_embeddings=True)
                    seconds["raw"] += time.perf_counter() - begin
                    reference.append(vectors)
                else:
                    spent, vectors = _pipeline(part, fp32 if name == "fp32" else bf16)
                    seconds[name] += spent
                    (ours if name == "fp32" else fast).append(vectors)
    n = len(texts) * ROUNDS
    print(
        f"  {len(texts)} SciFact chunks x {ROUNDS} rounds, {threads} torch threads, interleaved per {SLICE}"
    )
    for name, spent in seconds.items():
        print(f"  {name:5s} {n / spent:7.1f} chunks/s ({spent:.2f} s)")
    reference_all, ours_all, fast_all = (np.concatenate(v) for v in (reference, ours, fast))
    fidelity = np.sum(reference_all * fast_all, axis=1)
    same = np.sum(reference_all * ours_all, axis=1)
    print(f"  fp32 stage vs raw: min cosine {same.min():.5f}")
    print(f"  bf16 fidelity: mean cosine {fidelity.mean():.4f}, min {fidelity.min():.4f}")
    ok = verdict("pipeline fp32 / raw fp32", seconds["raw"] / seconds["fp32"], 0.9)
    ok &= verdict("fast path bf16 / raw fp32", seconds["raw"] / seconds["bf16"], 1.8)
    ok &= verdict("fast path mean cosine", float(fidelity.mean()), 0.98)
    return ok
