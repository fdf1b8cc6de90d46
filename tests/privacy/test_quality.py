"""Quality floors on the hand-written labelled set (free-form documents the recognizers were not built
from), and clean text stays as it is."""

from __future__ import annotations

import pytest

from benchmarks.pii_handwritten import labelled_documents
from benchmarks.pii_quality import Tally, overall, score
from workloads.privacy.detection import detector


@pytest.fixture(scope="module")
def tallies() -> dict[str, Tally]:
    records = labelled_documents()
    return score(records, detector().analyze([r["text"] for r in records]))


def test_overall_and_name_goals(tallies: dict[str, Tally]) -> None:
    total = overall(tallies)
    assert total.entities >= 90 and len(tallies) >= 12
    assert total.recall >= 0.95, [m for t in tallies.values() for m in t.misses]
    assert total.precision >= 0.90, [f for t in tallies.values() for f in t.false_positives]
    assert tallies["PERSON"].recall >= 0.90, tallies["PERSON"].misses


FLOORS = {
    "CLOUD_ACCESS_KEY": 1.0,
    "CREDIT_CARD": 1.0,
    "DATE_OF_BIRTH": 1.0,
    "EMAIL_ADDRESS": 1.0,
    "IBAN_CODE": 1.0,
    "IP_ADDRESS": 1.0,
    "MEDICAL_RECORD_NUMBER": 1.0,
    "PASSPORT": 1.0,
    "STREET_ADDRESS": 1.0,
    "US_SSN": 1.0,
    "PHONE_NUMBER": 0.85,
    "BANK_ACCOUNT": 0.66,
}


@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_recall_floor_per_kind(tallies: dict[str, Tally], kind: str) -> None:
    assert tallies[kind].recall >= FLOORS[kind], tallies[kind].misses


@pytest.mark.parametrize(
    "text",
    [
        "Release 3.14.2 shipped on 2024-03-05 (commit 9f8e7d6c5b4a), ticket INC-004821.",
        "Restart the dispatch service when the queue backs up; SKU-4821-XZ is out of stock.",
        "Order 4111 1111 1111 1112 failed the checksum and GB82 WEST 1234 5698 7654 33 too.",
    ],
)
def test_hard_negatives_stay(text: str) -> None:
    assert detector().analyze([text]) == [[]]
