"""The local engine end to end: incremental reruns, edits, deletes, crash-resume, expectations, PII."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from deltalake import DeltaTable

from lakeward.errors import LakewardError
from workloads import pipeline
from workloads.config import PipelineConfig
from workloads.indexing import load_index
from workloads.tables import PathTables

from .conftest import PLANTED, write_corpus

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


def test_bad_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LakewardError) as missing:
        pipeline.run_pipeline(tmp_path / "nowhere", tmp_path / "lh")
    assert missing.value.field == "--corpus" and "does not exist" in str(missing.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(LakewardError, match="holds no"):
        pipeline.run_pipeline(tmp_path / "empty", tmp_path / "lh")
    assert not (tmp_path / "lh").exists() or not any((tmp_path / "lh").rglob("*.parquet"))


def test_duplicate_documents_are_dropped(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path / "c", {"a.md": "# A\n\nOne page about tenders.", "b.md": "# A\n\nOne page about tenders."}
    )
    result = pipeline.run_pipeline(corpus, tmp_path / "lh", CONFIG)
    assert result.duplicates == 1 and result.documents == 1
