"""The `lakeward pipeline run` command and the wheel entry points, called in-process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from tests.cli import run_cli
from workloads.indexing import load_index
from workloads.jobs import pipeline_config, pipeline_main, run_stage


def test_cli_json_prints_one_object_with_the_counts(corpus: Path, tmp_path: Path) -> None:
    args = ["pipeline", "run", "--corpus", str(corpus), "--lakehouse", str(tmp_path / "lh"), "--json"]
    first = run_cli(*args)
    assert first.exit_code == 0, first.stderr
    payload = json.loads(first.stdout)
    assert {"documents", "chunks", "embedded", "reused", "deleted", "pii_masked", "seconds", "tables"} <= set(
        payload
    )
    assert payload["documents"] == 4 and payload["embedded"] == payload["chunks"]
    assert payload["tables"]["chunks"] == "llm_dev.curated.chunks"
    second = json.loads(run_cli(*args).stdout)
    assert second["embedded"] == 0 and second["chunks"] == payload["chunks"]
    assert (payload["collapsed"], payload["quarantined"], payload["empty"]) == ([], [], [])
    assert payload["tables"]["quarantine"] == "llm_dev.curated.quarantine"


def test_cli_lists_what_was_collapsed_quarantined_or_empty(corpus: Path, tmp_path: Path) -> None:
    (corpus / "copy.md").write_text((corpus / "glossary" / "lane.md").read_text().upper())
    (corpus / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (corpus / "blank.md").write_text("\n\n")
    args = ["pipeline", "run", "--corpus", str(corpus), "--lakehouse", str(tmp_path / "lh")]
    payload = json.loads(run_cli(*args, "--json").stdout)
    assert payload["collapsed"] == [
        {"doc_id": "glossary/lane.md", "duplicate_of": "copy.md", "rule": "same content"}
    ]
    assert [q["source"] for q in payload["quarantined"]] == ["latin1.txt"]
    assert payload["empty"] == ["blank.md"] and payload["documents"] == 5
    table = run_cli(*args, env={"COLUMNS": "200"}).stdout
    assert "duplicate of copy.md (same content)" in table
    assert "latin1.txt" in table and "not UTF-8 text" in table and "blank.md" in table


def test_cli_table_output(corpus: Path, tmp_path: Path) -> None:
    result = run_cli("pipeline", "run", "--corpus", corpus, "--lakehouse", tmp_path / "lh")
    assert result.exit_code == 0
    assert "pii_masked" in result.stdout and "expectations" in result.stdout


def test_jobs_run_as_separate_stages(corpus: Path, tmp_path: Path) -> None:
    common = ["--lakehouse", str(tmp_path / "lh"), "--catalog=llm_prod", "--schema=handbook"]
    ingested = run_stage("ingest", ["--corpus", str(corpus), *common])
    assert ingested["changed"] == 4 and ingested["embedded"] == 0
    embedded = run_stage("embed", common)
    assert embedded["embedded"] == embedded["chunks"] > 0
    indexed = run_stage("index", common)
    assert (
        indexed["index_rebuilt"]
        and len(load_index(tmp_path / "lh", "llm_prod", "handbook")) == indexed["chunks"]
    )
    events = [json.loads(line) for line in (tmp_path / "lh" / "_lineage" / "openlineage.jsonl").open()]
    assert [(e["job"]["name"], e["eventType"]) for e in events] == [
        (f"lakeward.pipeline.{stage}", kind)
        for stage in ("ingest", "embed", "index")
        for kind in ("START", "COMPLETE")
    ]
    ingest_done, embed_done, index_done = events[1], events[3], events[5]
    assert ingest_done["inputs"][0]["namespace"] == "file"
    assert [d["name"] for d in ingest_done["outputs"]] == [
        "llm_prod.handbook.documents",
        "llm_prod.handbook.chunks",
        "llm_prod.handbook.quarantine",
    ]
    chunks_written = ingest_done["outputs"][1]["facets"]["version"]["datasetVersion"]
    assert embed_done["inputs"][0]["facets"]["version"]["datasetVersion"] == chunks_written
    assert [d["name"] for d in embed_done["outputs"]] == ["llm_prod.handbook.embeddings"]
    assert [d["name"] for d in index_done["outputs"]] == ["llm_prod.handbook.rag_index"]
    assert len({e["run"]["runId"] for e in events}) == 3


def test_a_refused_stage_creates_nothing_and_a_failing_one_emits_a_fail_event(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lakehouse = tmp_path / "lh"
    with pytest.raises(LakewardError):
        run_stage("ingest", ["--corpus", str(tmp_path / "missing"), "--lakehouse", str(lakehouse)])
    with pytest.raises(LakewardError) as error:
        run_stage("pipeline", ["--corpus", str(corpus), "--lakehouse", str(lakehouse), "--lock-wait=-1"])
    assert error.value.field == "--lock-wait"
    assert not lakehouse.exists()

    def power_cut(run) -> int:
        raise RuntimeError("power cut")

    monkeypatch.setattr("workloads.jobs.embed", power_cut)
    with pytest.raises(RuntimeError):
        run_stage("pipeline", ["--corpus", str(corpus), "--lakehouse", str(lakehouse)])
    events = [json.loads(line) for line in (lakehouse / "_lineage" / "openlineage.jsonl").open()]
    assert [e["eventType"] for e in events] == ["START", "FAIL"]
    assert events[0]["run"]["runId"] == events[1]["run"]["runId"]


@pytest.mark.parametrize(
    ("catalog", "precision", "field"), [("bad-name", "fp32", "--catalog"), ("ok", "int4", "--precision")]
)
def test_bad_parameters_name_the_field(catalog: str, precision: str, field: str) -> None:
    with pytest.raises(LakewardError) as error:
        pipeline_config(catalog, "curated", precision)
    assert error.value.field == field


def test_unknown_engine_is_a_clear_error(corpus: Path, tmp_path: Path) -> None:
    args = ["pipeline", "run", "--corpus", str(corpus), "--lakehouse", str(tmp_path / "lh")]
    args += ["--engine", "flink"]
    result = run_cli(*args)
    assert result.exit_code == 2 and "--engine: " in result.stderr and "fix: " in result.stderr
    assert "--engine local" in result.stderr
    assert not (tmp_path / "lh").exists()


def test_catalog_tables_need_the_spark_engine(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lakehouse = tmp_path / "lh"
    args = ["--corpus", str(corpus), "--lakehouse", str(lakehouse), "--tables=catalog"]
    with pytest.raises(LakewardError) as error:
        run_stage("ingest", args)
    assert error.value.field == "--tables" and "--engine spark" in error.value.fix
    monkeypatch.setattr(sys, "argv", ["lakeward-pipeline", *args])
    with pytest.raises(SystemExit) as exit_:
        pipeline_main()
    assert exit_.value.code == 2
    with pytest.raises(SystemExit):
        run_stage("embed", ["--lakehouse", str(lakehouse), "--tables", "delta"])
    result = run_cli("pipeline", "run", "--corpus", corpus, "--lakehouse", lakehouse, "--tables", "catalog")
    assert result.exit_code == 2 and "--tables: " in result.stderr
    assert not lakehouse.exists()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (["--tables", "delta"], "--tables"),
        (["--engine", "spark", "--tables", "catalog", "--catalog", "llm-dev"], "--catalog"),
    ],
)
def test_table_options_are_checked_before_anything_runs(
    corpus: Path, tmp_path: Path, options: list[str], field: str
) -> None:
    args = ["pipeline", "run", "--corpus", str(corpus), "--lakehouse", str(tmp_path / "lh"), *options]
    result = run_cli(*args)
    assert result.exit_code == 2 and f"{field}: " in result.stderr
    assert not (tmp_path / "lh").exists()
