"""The `lakeward pipeline run` command and the wheel entry points, called in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakeward.cli import app
from lakeward.errors import LakewardError
from lakeward.workloads.indexing import load_index
from lakeward.workloads.jobs import pipeline_config, run_stage


def test_cli_json_prints_one_object_with_the_counts(corpus: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["pipeline", "run", "--corpus", str(corpus), "--lakehouse", str(tmp_path / "lh"), "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    payload = json.loads(first.stdout)
    assert {"documents", "chunks", "embedded", "reused", "deleted", "pii_masked", "seconds", "tables"} <= set(
        payload
    )
    assert payload["documents"] == 4 and payload["embedded"] == payload["chunks"]
    assert payload["tables"]["chunks"] == "llm_dev.curated.chunks"
    second = json.loads(runner.invoke(app, args).stdout)
    assert second["embedded"] == 0 and second["chunks"] == payload["chunks"]


def test_cli_table_output(corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["pipeline", "run", "--corpus", str(corpus), "--lakehouse", str(tmp_path / "lh")]
    )
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
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, LakewardError)
    assert result.exception.field == "--engine" and "--engine local" in result.exception.fix
    assert not (tmp_path / "lh").exists()
