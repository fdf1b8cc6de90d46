"""The index is rebuilt when its settings change, and BM25 matches inflected forms."""

from __future__ import annotations

from dataclasses import replace

from workloads import indexing
from workloads.config import IndexConfig

KEYS = ["doc-1/chunk-a", "doc-1/chunk-b"]


def _manifest(config: IndexConfig) -> dict:
    return {
        "chunkset": indexing.chunkset_fingerprint(KEYS),
        "model_version": "m1",
        **indexing.index_settings(config),
    }


def test_an_index_built_with_other_settings_is_not_current() -> None:
    config = IndexConfig()
    assert indexing.is_current(_manifest(config), KEYS, config, "m1")
    assert not indexing.is_current(_manifest(config), KEYS, replace(config, m=config.m * 2), "m1")
    assert not indexing.is_current(_manifest(config), KEYS, config, "m2")
    assert not indexing.is_current(_manifest(config), KEYS[:1], config, "m1")
    older = _manifest(config) | {"bm25": {**indexing.BM25_SETTINGS, "stemmer": None}}
    assert not indexing.is_current(older, KEYS, config, "m1")
    assert not indexing.is_current(None, KEYS, config, "m1")


def test_bm25_tokens_are_stemmed_and_without_stopwords() -> None:
    [first], [second] = (
        indexing._bm25_tokens(["The clusters terminated"]),
        indexing._bm25_tokens(["a cluster terminates"]),
    )
    assert first == second and "the" not in first
