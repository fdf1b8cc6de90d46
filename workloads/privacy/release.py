"""Differentially private release of counts per segment (OpenDP's discrete Laplace mechanism).

For aggregates that leave the platform: monitoring counts per segment, evaluation breakdowns by
tenant. Each release spends `epsilon` of a privacy budget and is recorded, with its mechanism and
noise scale, in a JSON-lines ledger. The segments themselves must be public (a fixed list, not derived
from the data), and `contributions` bounds how many segments one person can add to.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from lakeward.errors import LakewardError


@dataclass(frozen=True)
class Release:
    counts: dict[str, int]
    epsilon: float
    mechanism: str
    scale: float
    contributions: int
    purpose: str


def release_counts(
    counts: dict[str, int], epsilon: float, purpose: str, contributions: int = 1, ledger: Path | None = None
) -> Release:
    """Noisy counts that satisfy `epsilon`-differential privacy when each person changes at most
    `contributions` of them by one; the release is appended to `ledger` when one is given."""
    import opendp.prelude as dp

    if not 0 < epsilon <= 10:
        raise LakewardError(
            f"epsilon {epsilon} is out of range", field="epsilon", fix="use 0 < epsilon <= 10"
        )
    dp.enable_features("contrib")
    scale = contributions / epsilon
    measurement = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )
    spent = float(measurement.map(contributions))
    segments = sorted(counts)
    noisy = measurement([int(counts[s]) for s in segments])
    release = Release(
        counts={s: max(0, int(v)) for s, v in zip(segments, noisy, strict=True)},
        epsilon=spent,
        mechanism="discrete Laplace (OpenDP make_laplace)",
        scale=scale,
        contributions=contributions,
        purpose=purpose,
    )
    if ledger is not None:
        entry = {k: v for k, v in asdict(release).items() if k != "counts"}
        entry |= {"segments": len(segments), "released_at": datetime.now(UTC).isoformat()}
        ledger.parent.mkdir(parents=True, exist_ok=True)
        with ledger.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
    return release


def spent(ledger: Path) -> float:
    """The epsilon spent so far (basic composition: the sum over releases)."""
    if not ledger.exists():
        return 0.0
    return sum(
        json.loads(line)["epsilon"] for line in ledger.read_text(encoding="utf-8").splitlines() if line
    )
