"""Embeddings are unit-length float32 in both precisions, so a dot product is a cosine."""

from __future__ import annotations

import numpy as np

from workloads.embedding import FIDELITY_SAMPLE, Embedder, load_model


def test_bf16_vectors_are_renormalized_to_unit_length() -> None:
    fast = Embedder(load_model("cpu", "bf16"), "cpu", "bf16")
    vectors = fast.encode(FIDELITY_SAMPLE)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
