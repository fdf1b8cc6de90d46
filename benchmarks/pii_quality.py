"""PII detection quality: recall and precision per entity kind on the generated corpus (1,058 planted
entities of 13 kinds) and on the hand-written set (the honest figure).

An entity is found when a finding of its type overlaps it; a finding that overlaps no entity of its type
is a false positive (in brackets: how many of those sit on a hard negative). Goals: recall 0.95 overall
and 0.90 for names, precision 0.90.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from benchmarks.common import verdict
from benchmarks.pii_corpus import labelled_corpus
from benchmarks.pii_handwritten import labelled_documents
from workloads.privacy.detection import Finding, detector


@dataclass
class Tally:
    entities: int = 0
    found: int = 0
    findings: int = 0
    correct: int = 0
    on_negatives: int = 0
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.entities if self.entities else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.findings if self.findings else 1.0

    def add(self, other: Tally) -> None:
        self.entities += other.entities
        self.found += other.found
        self.findings += other.findings
        self.correct += other.correct
        self.on_negatives += other.on_negatives


def _overlap(a: dict | Finding, b: dict | Finding) -> bool:
    start_a, end_a = (a["start"], a["end"]) if isinstance(a, dict) else (a.start, a.end)
    start_b, end_b = (b["start"], b["end"]) if isinstance(b, dict) else (b.start, b.end)
    return start_a < end_b and start_b < end_a


def score(records: list[dict], findings: list[list[Finding]]) -> dict[str, Tally]:
    """Tallies per kind (entities by their labelled type, findings by their detected type)."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for record, found in zip(records, findings, strict=True):
        text = record["text"]
        for entity in record["entities"]:
            tally = tallies[entity["type"]]
            tally.entities += 1
            if any(f.type == entity["type"] and _overlap(f, entity) for f in found):
                tally.found += 1
            else:
                tally.misses.append(f"{record['id']}: {entity['value']!r}")
        for finding in found:
            tally = tallies[finding.type]
            tally.findings += 1
            if any(e["type"] == finding.type and _overlap(finding, e) for e in record["entities"]):
                tally.correct += 1
                continue
            tally.on_negatives += any(_overlap(finding, n) for n in record["negatives"])
            tally.false_positives.append(f"{record['id']}: {text[finding.start : finding.end]!r}")
    return dict(tallies)


def overall(tallies: dict[str, Tally]) -> Tally:
    total = Tally()
    for tally in tallies.values():
        total.add(tally)
    return total


def report(name: str, records: list[dict]) -> dict[str, Tally]:
    tallies = score(records, detector().analyze([r["text"] for r in records]))
    print(f"\n{name}: {len(records)} documents")
    print(f"  {'kind':24} {'entities':>8} {'recall':>7} {'findings':>8} {'FP (neg)':>9} {'precision':>9}")
    for kind, tally in [*sorted(tallies.items()), ("overall", overall(tallies))]:
        false = f"{tally.findings - tally.correct} ({tally.on_negatives})"
        print(
            f"  {kind:24} {tally.entities:8d} {tally.recall:7.3f} {tally.findings:8d} {false:>9} "
            f"{tally.precision:9.3f}"
        )
    return tallies


def main() -> bool:
    met = True
    for name, records in (
        ("generated corpus (dev + test splits)", labelled_corpus()),
        ("hand-written set (honest)", labelled_documents()),
    ):
        tallies = report(name, records)
        total = overall(tallies)
        met &= verdict("recall overall", total.recall, 0.95)
        met &= verdict("recall PERSON", tallies["PERSON"].recall, 0.90)
        met &= verdict("precision overall", total.precision, 0.90)
    return met
