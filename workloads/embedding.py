"""Embedding: texts tokenized up front, sorted by length and batched to a token budget; threads set per
worker, CUDA when present, a guarded reduced-precision fast path."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from tokenizers import Encoding, Tokenizer

from workloads.config import EmbedConfig
from workloads.model import DIMENSION, model_dir

log = logging.getLogger(__name__)
EMBEDDING_TYPE = pa.list_(pa.float32())
TORCH_DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}
DEFAULT_TOKEN_BUDGET = {"cpu": 8192, "cuda": 131072}
"""Padded tokens per batch when EmbedConfig.token_budget is None: 32 and 512 sequences of 256 tokens."""


@dataclass
class Embedder:
    """A loaded model, the precision it actually runs at (the fast path falls back when unfaithful) and
    its batching: sequences sorted by token length, each batch padded only to its own longest."""

    model: object
    device: str
    precision: str
    token_budget: int = DEFAULT_TOKEN_BUDGET["cpu"]
    fidelity: float | None = None
    tokenizer: Tokenizer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # A copy of the model's own fast tokenizer, truncating where the model does (max_seq_length,
        # special tokens included) and never padding: padding is per batch, below.
        self.tokenizer = Tokenizer.from_str(self.model.tokenizer.backend_tokenizer.to_str())  # type: ignore[attr-defined]
        self.tokenizer.enable_truncation(self.model.max_seq_length)  # type: ignore[attr-defined]
        self.tokenizer.no_padding()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit float32 vectors of `texts`, in their order."""
        import torch

        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        # One call for all texts: the tokenizers library splits the batch over its Rust threads.
        encodings = self.tokenizer.encode_batch_fast(texts)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(texts))
        order = np.argsort(-lengths, kind="stable")
        parts = []
        with torch.inference_mode():
            for rows in token_batches(lengths[order], self.token_budget):
                features = self._features(encodings, lengths, order[rows])
                # Transformer -> Pooling(mean) -> Normalize; on CUDA this only queues the kernels, so the
                # next batch is padded on the CPU while the GPU computes this one.
                parts.append(self.model(features)["sentence_embedding"])  # type: ignore[operator]
        vectors = np.empty((len(texts), DIMENSION), dtype=np.float32)
        vectors[order] = torch.cat(parts).float().cpu().numpy()
        # Normalized again in float32: a reduced-precision model's unit vectors are only unit-length to
        # that precision.
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _features(self, encodings: list[Encoding], lengths: np.ndarray, index: np.ndarray) -> dict:
        """The model's inputs for the texts at `index`, padded to the longest of them, on the device."""
        import torch

        width = int(lengths[index].max())
        ids = np.zeros((len(index), width), dtype=np.int64)
        for row, i in enumerate(index):
            ids[row, : lengths[i]] = encodings[i].ids
        arrays = {
            "input_ids": ids,
            "attention_mask": (np.arange(width) < lengths[index, None]).astype(np.int64),
            "token_type_ids": np.zeros_like(ids),
        }
        cuda = self.device.startswith("cuda")
        features = {}
        for name, array in arrays.items():
            tensor = torch.from_numpy(array)
            # Pinned host memory lets the copy run asynchronously, beside the kernels already queued.
            features[name] = tensor.pin_memory().to(self.device, non_blocking=True) if cuda else tensor
        return features


def token_batches(lengths: np.ndarray, token_budget: int) -> list[slice]:
    """Consecutive slices of `lengths` (sorted longest first) whose padded size fits `token_budget`;
    a sequence longer than the budget goes alone."""
    batches, start = [], 0
    while start < len(lengths):
        size = max(1, token_budget // int(lengths[start]))
        batches.append(slice(start, start + size))
        start += size
    return batches


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


def load_model(device: str, precision: str = "fp32", folder: Path | None = None):
    """The SentenceTransformer in `folder` (default: the packaged one) on `device`, in `precision`."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = SentenceTransformer(str(folder or model_dir()), device=device, local_files_only=True)
    # Cast whatever the files hold (transformers loads a folder of fp16 weights as fp16).
    model.to(getattr(torch, TORCH_DTYPES[precision]))
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
    a, b = fast.encode(texts), reference.encode(texts)
    return float(np.mean(np.sum(a * b, axis=1)))


def build_embedder(config: EmbedConfig, folder: Path | None = None) -> Embedder:
    """Load the model in `folder` (default: the packaged one); a reduced precision is kept only if it
    passes the fidelity check against fp32."""
    device = resolve_device(config)
    budget = config.token_budget or DEFAULT_TOKEN_BUDGET["cuda" if device.startswith("cuda") else "cpu"]
    reference = Embedder(load_model(device, "fp32", folder), device, "fp32", budget)
    if config.precision == "fp32":
        return reference
    fast = Embedder(load_model(device, config.precision, folder), device, config.precision, budget)
    fast.fidelity = fidelity(fast, reference, FIDELITY_SAMPLE)
    if fast.fidelity >= config.min_fidelity:
        return fast
    log.warning(
        "%s fidelity %.4f < %.2f: embedding in fp32", config.precision, fast.fidelity, config.min_fidelity
    )
    return reference


def get_embedder(config: EmbedConfig) -> Embedder:
    """Load once per process (per Spark worker), with the threads of this worker's share."""
    set_threads(config)
    key = (resolve_device(config), config.precision, config.min_fidelity, config.token_budget)
    if key not in _LOADED:
        _LOADED[key] = build_embedder(config)
    return _LOADED[key]


def embed_batch(batch: pa.RecordBatch, config: EmbedConfig) -> pa.RecordBatch:
    """Stage: (chunk_id, text) in, (chunk_id, embedding) out; unit-length float32 vectors."""
    texts = batch.column("text").to_pylist()
    # An empty batch (an empty Spark partition) loads no model.
    vectors = get_embedder(config).encode(texts) if texts else np.zeros((0, DIMENSION), dtype=np.float32)
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
