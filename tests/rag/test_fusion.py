"""Reciprocal rank fusion: order independence, deterministic ties, exact scores."""

from __future__ import annotations

import itertools
import random

from workloads.rag.fusion import reciprocal_rank_fusion


def test_scores_follow_the_formula() -> None:
    fused = dict(reciprocal_rank_fusion({"bm25": ["a", "b", "c"], "dense": ["b", "d"]}, k=60))
    assert fused["b"] == 1 / 62 + 1 / 61
    assert fused["a"] == 1 / 61 and fused["d"] == 1 / 62 and fused["c"] == 1 / 63


def test_permuting_the_rankings_never_changes_the_result() -> None:
    rng = random.Random(3)
    ids = [f"c{i:03d}" for i in range(200)]
    rankings = [rng.sample(ids, 80) for _ in range(4)]
    expected = reciprocal_rank_fusion(rankings)
    for order in itertools.permutations(rankings):
        assert reciprocal_rank_fusion(list(order)) == expected
    as_mapping = {name: r for name, r in zip("wxyz", rankings, strict=True)}
    assert reciprocal_rank_fusion(dict(reversed(as_mapping.items()))) == expected


def test_ties_are_broken_by_id_and_repeats_count_once() -> None:
    fused = reciprocal_rank_fusion([["z", "y"], ["y", "z"], ["m"], ["a"]])
    assert [item for item, _ in fused] == ["y", "z", "a", "m"]
    assert fused[0][1] == fused[1][1] and fused[2][1] == fused[3][1]
    repeated = dict(reciprocal_rank_fusion([["a", "b", "a"]]))
    assert repeated == {"a": 1 / 61, "b": 1 / 62}
