"""Differentially private counts through OpenDP, with the epsilon spent in a ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opendp")

from workloads.privacy.release import release_counts, spent


def test_release_spends_and_records_epsilon(tmp_path: Path) -> None:
    ledger = tmp_path / "budget.jsonl"
    counts = {"tenant-a": 1200, "tenant-b": 40, "tenant-c": 3}
    first = release_counts(counts, epsilon=1.0, purpose="monitoring: requests per tenant", ledger=ledger)
    assert first.epsilon == pytest.approx(1.0) and set(first.counts) == set(counts)
    assert abs(first.counts["tenant-a"] - 1200) < 60 and all(v >= 0 for v in first.counts.values())
    release_counts(counts, epsilon=0.5, purpose="eval breakdown", contributions=2, ledger=ledger)
    assert spent(ledger) == pytest.approx(1.5)
    assert "tenant-a" not in ledger.read_text() and "1200" not in ledger.read_text()
