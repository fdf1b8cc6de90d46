"""The local engine end to end: incremental reruns, edits, deletes, crash-resume, expectations, PII."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from deltalake import DeltaTable

from lakeward.errors import LakewardError
from workloads import pipeline
from workloads.config import PipelineConfig
from workloads.duplicates import SAME_CONTENT, SAME_TITLE_AND_BODY
from workloads.indexing import load_index
from workloads.tables import DOCUMENTS, PathTables

from .conftest import PLANTED, write_corpus
from .duplicate_cases import ACCESS_REVIEWS, access_review

CONFIG = PipelineConfig(commit_every=2)


def table(lakehouse: Path, name: str) -> pa.Table:
    return DeltaTable(str(lakehouse / "llm_dev" / "curated" / name)).to_pyarrow_table()


def keys(lakehouse: Path) -> set[tuple[str, str]]:
    chunks = table(lakehouse, "chunks")
    return set(zip(chunks["doc_id"].to_pylist(), chunks["chunk_id"].to_pylist(), strict=True))


def test_first_run_fills_tables_and_index(corpus: Path, tmp_path: Path) -> None:
    lakehouse = tmp_path / "lh"
    result = pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    assert result.documents == 4 and result.chunks == result.embedded > 4
    assert result.pii_masked == 8 and result.reused == 0 and result.index_rebuilt
    assert all(q["passed"] for q in result.quality)
    docs = table(lakehouse, "documents")
    assert sorted(docs["doc_id"].to_pylist()) == [
        "expenses.txt",
        "glossary/lane.md",
        "onboarding.md",
        "runbook.html",
    ]
    assert table(lakehouse, "embeddings").num_rows == result.chunks
    for name in ("documents", "chunks", "embeddings"):
        meta = DeltaTable(str(lakehouse / "llm_dev" / "curated" / name)).metadata()
        assert meta.configuration["delta.enableChangeDataFeed"] == "true"
    index = load_index(lakehouse)
    assert len(index) == result.chunks
    assert index.search_bm25("restart dispatch queue", 1)[0].doc_id == "runbook.html"
    assert index.search_bm25("lane carriers bid", 3, where={"language": "en", "doc_id": "glossary/lane.md"})[
        0
    ].doc_id == ("glossary/lane.md")


def test_unchanged_rerun_embeds_nothing(corpus: Path, tmp_path: Path) -> None:
    lakehouse = tmp_path / "lh"
    first = pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    versions = PathTables(lakehouse, "llm_dev", "curated").versions()
    again = pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    assert (again.embedded, again.changed, again.deleted, again.index_rebuilt) == (0, 0, 0, False)
    assert again.chunks == first.chunks
    assert PathTables(lakehouse, "llm_dev", "curated").versions() == versions


def test_edit_reembeds_only_new_chunks_and_delete_leaves_tables_and_index(
    corpus: Path, tmp_path: Path
) -> None:
    lakehouse = tmp_path / "lh"
    pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    before = keys(lakehouse)
    onboarding = corpus / "onboarding.md"
    onboarding.write_text(onboarding.read_text().replace("two shifts", "three shifts"))
    (corpus / "glossary" / "lane.md").unlink()
    result = pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    after = keys(lakehouse)
    new = after - before
    assert result.changed == 1 and result.deleted == 1
    assert result.embedded == len(new) == 1  # only the on-call section changed
    assert result.reused == 2
    assert not any(doc == "glossary/lane.md" for doc, _ in after)
    assert "glossary/lane.md" not in table(lakehouse, "documents")["doc_id"].to_pylist()
    assert set(table(lakehouse, "embeddings")["chunk_id"].to_pylist()) == {c for _, c in after}
    assert all(
        hit.doc_id != "glossary/lane.md" for hit in load_index(lakehouse).search_bm25("lane carriers bid", 10)
    )
    feed = pa.table(
        DeltaTable(str(lakehouse / "llm_dev" / "curated" / "documents"))
        .load_cdf(starting_version=0)
        .read_all()
    )
    changes = zip(feed["_change_type"].to_pylist(), feed["doc_id"].to_pylist(), strict=True)
    assert [doc for change, doc in changes if change == "delete"] == ["glossary/lane.md"]


def test_interrupted_run_resumes_without_duplicates_or_loss(
    corpus: Path, tmp_path: Path, monkeypatch
) -> None:
    clean = pipeline.run_pipeline(corpus, tmp_path / "clean", CONFIG)
    lakehouse = tmp_path / "lh"
    original = PathTables.upsert
    commits = []

    def crash_after_two_commits(self, spec, rows):
        if spec.name == "embeddings":
            if len(commits) == 2:
                raise KeyboardInterrupt("power cut")
            commits.append(rows.num_rows)
        original(self, spec, rows)

    monkeypatch.setattr(PathTables, "upsert", crash_after_two_commits)
    with pytest.raises(KeyboardInterrupt):
        pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    monkeypatch.setattr(PathTables, "upsert", original)
    assert table(lakehouse, "documents").num_rows == 4  # ingest finished before the crash
    assert table(lakehouse, "embeddings").num_rows == 2 * CONFIG.commit_every
    resumed = pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    assert resumed.embedded == clean.chunks - 2 * CONFIG.commit_every
    assert keys(lakehouse) == keys(tmp_path / "clean")
    embeddings = table(lakehouse, "embeddings")
    assert embeddings.num_rows == len(set(embeddings["chunk_id"].to_pylist())) == clean.chunks
    assert all(q["passed"] for q in resumed.quality)


def test_crash_between_chunks_and_documents_is_redone(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    lakehouse = tmp_path / "lh"
    original = PathTables.upsert

    def crash_on_documents(self, spec, rows):
        if spec.name == "documents":
            raise RuntimeError("killed")
        original(self, spec, rows)

    monkeypatch.setattr(PathTables, "upsert", crash_on_documents)
    with pytest.raises(RuntimeError):
        pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    monkeypatch.setattr(PathTables, "upsert", original)
    result = pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    assert result.changed == 4 and result.documents == 4
    assert table(lakehouse, "chunks").num_rows == len(keys(lakehouse)) == result.chunks


def test_failed_expectation_stops_and_keeps_the_last_good_tables(tmp_path: Path) -> None:
    beir = tmp_path / "beir"
    beir.mkdir()
    (beir / "corpus.jsonl").write_text(
        '{"_id": "1", "title": "Lanes", "text": "A lane is an origin and destination pair."}\n'
        '{"_id": "2", "title": "Tenders", "text": "A tender offers a load to a carrier."}\n'
    )
    lakehouse = tmp_path / "lh"
    pipeline.run_pipeline(beir, lakehouse, CONFIG)
    versions = PathTables(lakehouse, "llm_dev", "curated").versions()
    with (beir / "corpus.jsonl").open("a") as handle:
        handle.write(
            '{"_id": "2", "title": "Tenders", "text": "A second, different record with the same id."}\n'
        )
    with pytest.raises(LakewardError) as failure:
        pipeline.run_pipeline(beir, lakehouse, CONFIG)
    assert failure.value.exit_code == 3
    assert "unique(doc_id)" in str(failure.value) and "1 duplicated keys" in str(failure.value)
    assert PathTables(lakehouse, "llm_dev", "curated").versions() == versions
    quality = table(lakehouse, "quality_metrics")
    assert False in quality["passed"].to_pylist()


def test_failed_check_after_writing_restores_tables(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    lakehouse = tmp_path / "lh"
    pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    (corpus / "new.md").write_text("# New\n\nA fresh page about detention fees at the Tacoma terminal.")
    monkeypatch.setattr(
        "workloads.expectations._vectors",
        lambda table: pipeline.expectations.Outcome("embeddings", "unit_vectors", False, "forced"),
    )
    with pytest.raises(LakewardError, match="restored to the last good version"):
        pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    assert "new.md" not in table(lakehouse, "documents")["doc_id"].to_pylist()
    assert {d for d, _ in keys(lakehouse)} == {
        "expenses.txt",
        "glossary/lane.md",
        "onboarding.md",
        "runbook.html",
    }


def test_no_planted_pii_reaches_tables_index_or_logs(corpus: Path, tmp_path: Path, caplog, capsys) -> None:
    lakehouse = tmp_path / "lh"
    caplog.set_level(logging.DEBUG)
    result = pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    assert result.pii_masked == 8
    raw_values = [*PLANTED.values(), "Quill", "jordan.miles"]
    texts = []
    for name in ("documents", "chunks", "embeddings", "quality_metrics"):
        data = table(lakehouse, name)
        texts += [
            str(v) for column in data.columns if pa.types.is_string(column.type) for v in column.to_pylist()
        ]
    blob = "\n".join(texts)
    files = b"".join(p.read_bytes() for p in lakehouse.rglob("*") if p.is_file())
    index = load_index(lakehouse)
    index_text = "\n".join(index.metadata["text"].to_pylist())
    logs = caplog.text + "".join(capsys.readouterr())
    for value in raw_values:
        for haystack in (blob, index_text, logs):
            assert value not in haystack
        assert value.encode() not in files
    assert all(f"[{kind}]" in blob for kind in ("EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "PERSON"))
    chunks = table(lakehouse, "chunks")
    vectors = np.array(table(lakehouse, "embeddings")["embedding"].to_pylist())
    assert vectors.shape == (chunks.num_rows, 384)


def test_bad_corpus_is_a_clear_error_and_creates_nothing(tmp_path: Path) -> None:
    lakehouse = tmp_path / "lh"
    with pytest.raises(LakewardError) as missing:
        pipeline.run_pipeline(tmp_path / "nowhere", lakehouse)
    assert missing.value.field == "--corpus" and "does not exist" in str(missing.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(LakewardError, match="holds no"):
        pipeline.run_pipeline(tmp_path / "empty", lakehouse)
    unreadable = tmp_path / "unreadable"
    unreadable.mkdir()
    (unreadable / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(LakewardError, match=r"1 quarantined: latin1\.txt: not UTF-8"):
        pipeline.run_pipeline(unreadable, lakehouse)
    with pytest.raises(LakewardError, match="unknown engine"):
        pipeline.run_pipeline(write_corpus(tmp_path / "good"), lakehouse, engine="dask")
    assert not lakehouse.exists()


def test_eight_templated_documents_in_eight_documents_out(tmp_path: Path) -> None:
    docs = {f"access/{name}.md": access_review(name) for name in ACCESS_REVIEWS}
    lakehouse = tmp_path / "lh"
    result = pipeline.run_pipeline(write_corpus(tmp_path / "c", docs), lakehouse, CONFIG)
    assert (result.documents, result.duplicates, result.collapsed) == (8, 0, [])
    assert set(table(lakehouse, "chunks")["doc_id"].to_pylist()) == set(docs)


def test_duplicates_are_recorded_and_listed_not_dropped(tmp_path: Path) -> None:
    page = access_review("ledger")
    corpus = write_corpus(
        tmp_path / "c",
        {
            "a.md": page,
            "b.md": page.upper().replace("\n\n", "\n\n\n"),
            "c.md": page.replace("2024-03-01", "2024-09-14 by j.okafor"),
            "d.md": access_review("payroll"),
        },
    )
    lakehouse = tmp_path / "lh"
    result = pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    assert result.documents == 4 and result.duplicates == 2
    assert result.collapsed == [
        {"doc_id": "b.md", "duplicate_of": "a.md", "rule": SAME_CONTENT},
        {"doc_id": "c.md", "duplicate_of": "a.md", "rule": SAME_TITLE_AND_BODY},
    ]
    documents = {r["doc_id"]: r for r in table(lakehouse, "documents").to_pylist()}
    assert {d: (r["duplicate_of"], r["chunk_count"] > 0) for d, r in documents.items()} == {
        "a.md": (None, True),
        "b.md": ("a.md", False),
        "c.md": ("a.md", False),
        "d.md": (None, True),
    }
    assert set(table(lakehouse, "chunks")["doc_id"].to_pylist()) == {"a.md", "d.md"}
    assert pipeline.run_pipeline(corpus, lakehouse, CONFIG).changed == 0
    (corpus / "a.md").unlink()
    again = pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    assert again.deleted == 1 and again.collapsed == [
        {"doc_id": "c.md", "duplicate_of": "b.md", "rule": SAME_TITLE_AND_BODY}
    ]
    assert set(table(lakehouse, "chunks")["doc_id"].to_pylist()) == {"b.md", "d.md"}
    assert all(q["passed"] for q in again.quality)


def test_unreadable_files_are_quarantined_and_the_rest_is_read(corpus: Path, tmp_path: Path) -> None:
    (corpus / "latin1.txt").write_bytes("Caf\xe9 opening hours".encode("latin-1"))
    (corpus / "huge.md").write_text("# Huge\n\n" + "word " * 3000)
    (corpus / "blank.md").write_text(" \n\n\u200b\n")
    os.mkfifo(corpus / "pipe.md")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "environ.txt").symlink_to("/proc/self/environ")
    (corpus / "lane-link.md").symlink_to(corpus / "glossary" / "lane.md")
    lakehouse = tmp_path / "lh"
    result = pipeline.run_pipeline(corpus, lakehouse, replace(CONFIG, max_document_bytes=10_000))
    reasons = {q["source"]: q["reason"] for q in result.quarantined}
    assert set(reasons) == {"environ.txt", "huge.md", "lane-link.md", "latin1.txt", "passwd.txt", "pipe.md"}
    assert reasons["passwd.txt"] == reasons["environ.txt"] == "a symlink to a file outside the corpus root"
    assert reasons["pipe.md"].startswith("a special file")
    assert reasons["latin1.txt"].startswith("not UTF-8 text (byte 0xe9 at offset 3)")
    assert "over the 10,000-byte limit" in reasons["huge.md"]
    assert reasons["lane-link.md"] == "the same file as glossary/lane.md, which is read instead"
    assert result.empty == ["blank.md"] and result.documents == 4
    quarantine = table(lakehouse, "quarantine")
    assert (
        dict(zip(quarantine["source"].to_pylist(), quarantine["reason"].to_pylist(), strict=True)) == reasons
    )
    assert b"root:" not in b"".join(p.read_bytes() for p in lakehouse.rglob("*") if p.is_file())
    (corpus / "latin1.txt").write_text("Café opening hours", encoding="utf-8")
    rerun = pipeline.run_pipeline(corpus, lakehouse, replace(CONFIG, max_document_bytes=10_000))
    assert "latin1.txt" not in {q["source"] for q in rerun.quarantined} and rerun.changed == 1
    assert "latin1.txt" not in table(lakehouse, "quarantine")["source"].to_pylist()


def test_a_table_made_before_duplicate_of_gains_it(corpus: Path, tmp_path: Path) -> None:
    lakehouse = tmp_path / "lh"
    old = pa.schema([f for f in DOCUMENTS.schema if f.name != "duplicate_of"])
    DeltaTable.create(str(lakehouse / "llm_dev" / "curated" / "documents"), schema=old)
    result = pipeline.run_pipeline(corpus, lakehouse, CONFIG)
    assert result.documents == 4 and all(q["passed"] for q in result.quality)
    assert table(lakehouse, "documents")["duplicate_of"].null_count == 4
