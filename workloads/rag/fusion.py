"""Reciprocal rank fusion: independent of the order the rankings come in, ties broken by ID."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]] | Sequence[Sequence[str]], k: int = 60
) -> list[tuple[str, float]]:
    """Fuse ranked ID lists into (id, score) pairs, best first.

    Each list adds 1 / (k + rank) to the IDs it ranks (rank from 1; an ID repeated in one list counts
    at its best rank). Contributions are summed in a canonical order with `math.fsum`, so permuting the
    lists never changes a score, and equal scores are ordered by ID.
    """
    lists = rankings.values() if isinstance(rankings, Mapping) else rankings
    contributions: dict[str, list[float]] = {}
    for ranking in lists:
        seen: set[str] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:
                continue
            seen.add(item)
            contributions.setdefault(item, []).append(1.0 / (k + rank))
    fused = [(item, math.fsum(sorted(parts))) for item, parts in contributions.items()]
    return sorted(fused, key=lambda pair: (-pair[1], pair[0]))
