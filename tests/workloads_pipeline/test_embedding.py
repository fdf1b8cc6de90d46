import numpy as np
import pyarrow as pa
import pytest

from workloads.config import EmbedConfig
from workloads.embedding import embed_batch, get_embedder, set_threads


def vectors(batch: pa.RecordBatch) -> np.ndarray:
    return np.array(batch.column("embedding").to_pylist(), dtype=np.float32)


def test_embeddings_are_unit_vectors_that_order_by_meaning() -> None:
    texts = [
        "Restart the dispatch service when the queue backs up.",
        "If the dispatch queue is stuck, restart its service.",
        "Visitors must wear a safety vest in the yard.",
    ]
    out = embed_batch(pa.RecordBatch.from_pydict({"chunk_id": ["a", "b", "c"], "text": texts}), EmbedConfig())
    assert out.column("chunk_id").to_pylist() == ["a", "b", "c"]
    v = vectors(out)
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_threads_share_the_cores_among_workers() -> None:
    import os

    import torch

    assert set_threads(EmbedConfig(workers=os.cpu_count() or 1)) == 1 == torch.get_num_threads()
    assert set_threads(EmbedConfig(threads=2)) == 2 == torch.get_num_threads()
    set_threads(EmbedConfig())


@pytest.mark.slow
def test_fast_path_is_kept_only_when_faithful() -> None:
    kept = get_embedder(EmbedConfig(precision="bf16"))
    assert kept.precision == "bf16" and kept.fidelity >= 0.98
    refused = get_embedder(EmbedConfig(precision="bf16", min_fidelity=1.01))
    assert refused.precision == "fp32"
