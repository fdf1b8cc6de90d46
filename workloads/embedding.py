"""Embedding: batched, normalized, threads set per worker, CUDA when present, a guarded bf16 fast path."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from lakeward.workloads.config import EmbedConfig
from lakeward.workloads.model import DIMENSION, model_dir

log = logging.getLogger(__name__)
EMBEDDING_TYPE = pa.list_(pa.float32())


@dataclass
class Embedder:
    """A loaded model and the precision it actually runs at (the fast path falls back when unfaithful)."""

    model: object
    device: str
    precision: str
    fidelity: float | None = None

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        vectors = self.model.encode(  # type: ignore[attr-defined]
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=False,
            convert_to_tensor=True,
            show_progress_bar=False,
        )
        # Normalized again in float32: a bf16 model's unit vectors are only unit-length to bf16 precision.
        vectors = vectors.float().cpu().numpy().astype(np.float32, copy=False)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


_LOADED: dict[tuple, Embedder] = {}


def resolve_device(config: EmbedConfig) -> str:
    import torch

    if config.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return config.device


def set_threads(config: EmbedConfig) -> int:
    """Give this worker its share of the cores so that parallel workers do not oversubscribe them."""
    import torch

    threads = config.threads or max(1, (os.cpu_count() or 1) // max(1, config.workers))
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def load_model(device: str, dtype: str = "fp32"):
    """The packaged SentenceTransformer on `device`, in fp32 or bf16."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = SentenceTransformer(str(model_dir()), device=device, local_files_only=True)
    if dtype == "bf16":
        model.to(torch.bfloat16)
    model.eval()
    return model


FIDELITY_SAMPLE = [
    "Rotate the workspace token before it expires and record the change in the access log.",
    "Clusters terminate after twenty idle minutes; the policy caps workers and DBUs per hour.",
    "Glucose uptake in skeletal muscle rose after eight weeks of interval training.",
    "The quarterly report lists revenue by region, with currency converted at month-end rates.",
    "Scale-to-zero serving endpoints start cold; the first request waits for a container.",
    "Das Protokoll wird täglich archiviert und nach neunzig Tagen gelöscht.",
]


def fidelity(fast: Embedder, reference: Embedder, texts: list[str]) -> float:
    """Mean cosine between the fast path's and the fp32 model's embeddings of the same texts."""
    a, b = fast.encode(texts, 32), reference.encode(texts, 32)
    return float(np.mean(np.sum(a * b, axis=1)))


def get_embedder(config: EmbedConfig) -> Embedder:
    """Load once per process (per Spark worker); bf16 is kept only if it passes the fidelity check."""
    set_threads(config)
    device = resolve_device(config)
    key = (device, config.precision, config.min_fidelity)
    if key not in _LOADED:
        reference = Embedder(load_model(device), device, "fp32")
        embedder = reference
        if config.precision == "bf16":
            fast = Embedder(load_model(device, "bf16"), device, "bf16")
            fast.fidelity = fidelity(fast, reference, FIDELITY_SAMPLE)
            if fast.fidelity >= config.min_fidelity:
                embedder = fast
            else:
                log.warning(
                    "bf16 fidelity %.4f < %.2f: embedding in fp32", fast.fidelity, config.min_fidelity
                )
        _LOADED[key] = embedder
    return _LOADED[key]


def embed_batch(batch: pa.RecordBatch, config: EmbedConfig) -> pa.RecordBatch:
    """Stage: (chunk_id, text) in, (chunk_id, embedding) out; unit-length float32 vectors."""
    texts = batch.column("text").to_pylist()
    vectors = get_embedder(config).encode(texts, config.batch_size) if texts else np.zeros((0, DIMENSION))
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1))
    offsets = pa.array(np.arange(0, (len(texts) + 1) * DIMENSION, DIMENSION, dtype=np.int32))
    return pa.RecordBatch.from_pydict(
        {"chunk_id": batch.column("chunk_id"), "embedding": pa.ListArray.from_arrays(offsets, flat)},
        schema=pa.schema(
            [
                pa.field("chunk_id", pa.string(), nullable=False),
                pa.field("embedding", EMBEDDING_TYPE, nullable=False),
            ]
        ),
    )
