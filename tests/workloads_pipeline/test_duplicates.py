"""The duplicate rule, measured on a labelled set of true and false near duplicates."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from workloads.config import PipelineConfig
from workloads.corpus import read_corpus
from workloads.duplicates import SAME_CONTENT, SAME_TITLE_AND_BODY, find_duplicates
from workloads.pipeline import prepare_batch

from .conftest import write_corpus
from .duplicate_cases import ACCESS_REVIEWS, FALSE_DUPLICATES, LABELLED, TRUE_DUPLICATES, Pair, access_review


def read(folder: Path, docs: dict[str, str]) -> pa.Table:
    """Documents as the pipeline sees them at duplicate removal: read, normalized and masked."""
    raw = read_corpus(write_corpus(folder, docs)).documents
    return pa.Table.from_batches([prepare_batch(b, PipelineConfig()) for b in raw.to_batches()])


def collapsed(pair: Pair, folder: Path) -> dict:
    return find_duplicates(read(folder, dict([pair.a, pair.b])))


def test_the_rule_on_the_labelled_set(tmp_path: Path) -> None:
    assert len(TRUE_DUPLICATES) >= 8 and len(FALSE_DUPLICATES) >= 15
    verdicts = [(pair, bool(collapsed(pair, tmp_path / str(n)))) for n, pair in enumerate(LABELLED)]
    false_positives = [pair.why for pair, same in verdicts if same and not pair.same]
    false_negatives = [pair.why for pair, same in verdicts if pair.same and not same]
    assert (false_positives, false_negatives) == ([], [])


def test_each_collapse_names_the_kept_document_and_the_rule(tmp_path: Path) -> None:
    rules = {}
    for n, pair in enumerate(TRUE_DUPLICATES):
        (collapse,) = collapsed(pair, tmp_path / str(n)).values()
        assert {collapse.doc_id, collapse.duplicate_of} == {pair.a[0], pair.b[0]}
        assert collapse.duplicate_of == min(pair.a[0], pair.b[0])
        rules[pair.why] = collapse.rule
    assert rules["policy re-saved with other line breaks"] == SAME_CONTENT
    assert rules["policy re-exported on another day"] == SAME_TITLE_AND_BODY
    assert rules["ticket synced twice"] == SAME_TITLE_AND_BODY


def test_eight_templated_pages_are_eight_documents(tmp_path: Path) -> None:
    docs = {f"{name}.md": access_review(name) for name in ACCESS_REVIEWS}
    assert len(docs) == 8
    assert find_duplicates(read(tmp_path, docs)) == {}


def test_a_document_collapses_into_the_first_of_its_copies(tmp_path: Path) -> None:
    text = access_review("tms")
    docs = {"c.md": text, "a.md": text.upper(), "b.md": text.replace("2024-03-01", "2024-06-30")}
    found = find_duplicates(read(tmp_path, docs))
    assert {doc: c.duplicate_of for doc, c in found.items()} == {"b.md": "a.md", "c.md": "a.md"}
