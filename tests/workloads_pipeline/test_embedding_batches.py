"""The encode path (tokenized up front, sorted by length, batched to a token budget) gives what
`SentenceTransformer.encode` gives, in the input order."""

from __future__ import annotations

import numpy as np
import pytest

from lakeward.errors import LakewardError
from workloads.config import EmbedConfig
from workloads.embedding import Embedder, get_embedder, token_batches
from workloads.model import DIMENSION, MAX_SEQUENCE_TOKENS

TEXTS = [
    "Restart the dispatch service when the queue backs up.",
    "",
    "Glucose uptake in skeletal muscle rose after eight weeks of interval training. " * 40,
    " ",
    "Lane",
    "\n\t",
    "Das Protokoll wird täglich archiviert und nach neunzig Tagen gelöscht.",
    "Visitors must wear a safety vest in the yard; " * 25,
    "ok",
]


@pytest.fixture(scope="module")
def model():
    return get_embedder(EmbedConfig(device="cpu")).model


@pytest.mark.parametrize("budget", [8192, 100])
def test_vectors_match_sentence_transformers_in_input_order(model, budget: int) -> None:
    reference = model.encode(TEXTS, batch_size=32, normalize_embeddings=True)
    vectors = Embedder(model, "cpu", "fp32", token_budget=budget).encode(TEXTS)
    assert vectors.shape == (len(TEXTS), DIMENSION) and vectors.dtype == np.float32
    cosines = np.sum(vectors * reference, axis=1)
    assert cosines.min() >= 0.9999, cosines
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_truncation_matches_the_model(model) -> None:
    embedder = Embedder(model, "cpu", "fp32")
    features = model.preprocess(TEXTS)
    for i, encoding in enumerate(embedder.tokenizer.encode_batch_fast(TEXTS)):
        length = int(features["attention_mask"][i].sum())
        assert encoding.ids == features["input_ids"][i][:length].tolist()
    longest = max(len(e.ids) for e in embedder.tokenizer.encode_batch_fast(TEXTS))
    assert longest == MAX_SEQUENCE_TOKENS == model.max_seq_length


def test_no_texts_give_no_vectors(model) -> None:
    assert Embedder(model, "cpu", "fp32").encode([]).shape == (0, DIMENSION)


def test_batches_fit_the_budget_and_a_longer_sequence_goes_alone() -> None:
    lengths = np.array([256, 256, 120, 100, 60, 10, 3, 2])
    batches = token_batches(lengths, 250)
    assert [(s.start, s.stop) for s in batches] == [(0, 1), (1, 2), (2, 4), (4, 8)]
    assert all(s.stop - s.start == 1 or (s.stop - s.start) * lengths[s.start] <= 250 for s in batches)
    assert token_batches(np.array([], dtype=np.int64), 8) == []


@pytest.mark.parametrize("budget", [0, -5, 1.5, True, "8192"])
def test_a_bad_token_budget_names_the_field_and_the_fix(budget) -> None:
    with pytest.raises(LakewardError) as caught:
        EmbedConfig(token_budget=budget)
    assert caught.value.field == "token_budget" and "positive integer" in (caught.value.fix or "")
