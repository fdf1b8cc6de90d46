"""Wheel entry points for Databricks jobs (python_wheel_task) and `python -m workloads.jobs`.

    lakeward-ingest   --corpus DIR --lakehouse DIR --catalog C --schema S [--engine spark]
    lakeward-embed    --lakehouse DIR --catalog C --schema S [--engine spark] [--precision bf16]
    lakeward-index    --lakehouse DIR --catalog C --schema S
    lakeward-pipeline --corpus DIR --lakehouse DIR --catalog C --schema S   (all three in one task)
    lakeward-maintain --catalog C --schema S [--retain-hours N]   (table upkeep through Spark SQL)

Every stage also takes `--lock-wait SECONDS` (how long to wait for another run on the same lakehouse)
and `--tables path|catalog`: `path` (the default) keeps the tables with delta-rs
under `--lakehouse`; `catalog` (needs `--engine spark`) reads and writes the Unity Catalog tables
`C.S.*` through the job's Spark session. `--lakehouse` always holds the index and the lineage events
(on Databricks a UC Volume).

Each prints one JSON object (the run's counts and expectations) and exits 0, 2 on bad input or when
another run kept the lakehouse past the wait, 3 on a failed expectation (the tables are then back at
their last good version).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import cast

from lakeward.errors import LakewardError
from lakeward.output import errors, run_job
from workloads import openlineage
from workloads.config import (
    CLASSIFICATIONS,
    EmbedConfig,
    PiiConfig,
    PiiMode,
    PipelineConfig,
    Precision,
    SourceLabels,
    TableStore,
)
from workloads.corpus import Corpus
from workloads.pipeline import Run, check, embed, index, ingest, open_run, read
from workloads.tables import CHUNKS, DOCUMENTS, EMBEDDINGS, QUARANTINE, check_name

STAGES = ("ingest", "embed", "index", "pipeline")


def pipeline_config(
    catalog: str,
    schema: str,
    precision: str = "fp32",
    tables: str = "path",
    lock_wait: float = 60.0,
    pii_mode: str = "mask",
    tenant: str = "default",
    classification: str = "internal",
) -> PipelineConfig:
    """The configuration the CLI and the jobs share; names are checked like Unity Catalog identifiers."""
    check_name(catalog, "--catalog")
    check_name(schema, "--schema")
    if precision not in ("fp32", "bf16"):
        raise LakewardError(f"unknown precision {precision!r}", field="--precision", fix="use fp32 or bf16")
    if tables not in ("path", "catalog"):
        raise LakewardError(
            f"unknown table store {tables!r}",
            field="--tables",
            fix="use --tables path (delta-rs under --lakehouse) or --tables catalog (Unity Catalog, Spark)",
        )
    if not 0 <= lock_wait <= 86_400:
        raise LakewardError(
            f"lock wait {lock_wait!r} is not between 0 and 86400 seconds",
            field="--lock-wait",
            fix="give the seconds to wait for another run on the same lakehouse, such as 60",
        )
    return PipelineConfig(
        lock_wait_seconds=lock_wait,
        catalog=catalog,
        schema=schema,
        tables=cast(TableStore, tables),
        embed=replace(EmbedConfig(), precision=cast(Precision, precision)),
        pii=PiiConfig(mode=cast(PiiMode, pii_mode)),
        labels=SourceLabels(tenant=tenant, classification=classification),
    )


def _parser(stage: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"lakeward-{stage}", description=f"Lakeward workloads: {stage}.")
    if stage in ("ingest", "pipeline"):
        parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--lakehouse", type=Path, required=True)
    parser.add_argument("--catalog", default="llm_dev")
    parser.add_argument("--schema", default="curated")
    parser.add_argument("--engine", choices=("local", "spark"), default="local")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--tables", choices=("path", "catalog"), default="path")
    parser.add_argument("--lock-wait", type=float, default=60.0)
    if stage in ("ingest", "pipeline"):
        parser.add_argument("--pii-mode", choices=("mask", "pseudonymize"), default="mask")
        parser.add_argument("--tenant", default="default")
        parser.add_argument("--classification", choices=CLASSIFICATIONS, default="internal")
    return parser


# What each stage reads and writes, named in its OpenLineage events.
STAGE_TABLES = {
    "ingest": ((), (DOCUMENTS, CHUNKS, QUARANTINE)),
    "embed": ((CHUNKS,), (EMBEDDINGS,)),
    "index": ((CHUNKS, EMBEDDINGS), ()),
    "pipeline": ((), (DOCUMENTS, CHUNKS, QUARANTINE, EMBEDDINGS)),
}


def run_stage(stage: str, argv: list[str]) -> dict:
    """Run one job stage with its command-line arguments; return the run's JSON object. The stage
    leaves START and COMPLETE (or FAIL) OpenLineage events in `<lakehouse>/_lineage/openlineage.jsonl`.
    Bad arguments or a corpus with nothing to read stop it before anything is created."""
    args = _parser(stage).parse_args(argv)
    config = pipeline_config(
        args.catalog,
        args.schema,
        args.precision,
        args.tables,
        args.lock_wait,
        getattr(args, "pii_mode", "mask"),
        getattr(args, "tenant", "default"),
        getattr(args, "classification", "internal"),
    )
    run = open_run(args.lakehouse, config, args.engine)
    documents = read(run, args.corpus) if stage in ("ingest", "pipeline") else None
    with run.started():
        return _stage(stage, args, run, documents)


def _stage(stage: str, args: argparse.Namespace, run: Run, documents: Corpus | None) -> dict:
    reads, writes = STAGE_TABLES[stage]

    def datasets(specs: tuple) -> list[dict]:
        versions = run.store.versions()
        return [
            openlineage.dataset(run.store.full_name(spec), version=versions.get(spec.name)) for spec in specs
        ]

    corpus = [openlineage.dataset(str(args.corpus.resolve()), namespace="file")] if "corpus" in args else []
    folder, job, run_id = args.lakehouse / "_lineage", f"lakeward.pipeline.{stage}", openlineage.new_run_id()
    openlineage.emit(folder, job, "START", run_id, corpus + datasets(reads), [])
    try:
        if documents is not None:
            ingest(run, documents)
        if stage == "ingest":
            check(run, (DOCUMENTS, CHUNKS))
        if stage in ("embed", "pipeline"):
            embed(run)
        if stage in ("embed", "index", "pipeline"):
            tables = check(run)
            if stage != "embed":
                index(run, tables)
    except BaseException:
        openlineage.emit(folder, job, "FAIL", run_id, corpus + datasets(reads), [])
        raise
    outputs = datasets(writes)
    if stage in ("index", "pipeline"):
        outputs.append(openlineage.dataset(f"{args.catalog}.{args.schema}.rag_index"))
    openlineage.emit(folder, job, "COMPLETE", run_id, corpus + datasets(reads), outputs)
    return run.result.to_json()


def _main(stage: str, argv: list[str] | None = None) -> None:
    run_job(lambda args: run_stage(stage, args), sys.argv[1:] if argv is None else argv)


def maintain(argv: list[str]) -> dict:
    """Table upkeep of the Unity Catalog tables `C.S.*`: `workloads.maintenance.statements` (OPTIMIZE
    ZORDER BY the retrieval columns, then VACUUM, never under the 168-hour retention) run through the
    job's Spark session."""
    from workloads.engines.spark import spark_session
    from workloads.maintenance import MIN_RETAIN_HOURS, statements

    parser = argparse.ArgumentParser(prog="lakeward-maintain", description="Lakeward table upkeep.")
    parser.add_argument("--catalog", default="llm_dev")
    parser.add_argument("--schema", default="curated")
    parser.add_argument("--retain-hours", type=int, default=MIN_RETAIN_HOURS)
    args = parser.parse_args(argv)
    sql = statements(args.catalog, args.schema, args.retain_hours)
    session = spark_session()
    for statement in sql:
        session.sql(statement)
    return {"catalog": args.catalog, "schema": args.schema, "statements": sql}


def ingest_main() -> None:
    _main("ingest")


def embed_main() -> None:
    _main("embed")


def index_main() -> None:
    _main("index")


def pipeline_main() -> None:
    _main("pipeline")


def maintain_main() -> None:
    run_job(maintain, sys.argv[1:])


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in STAGES:
        errors.print(f"usage: python -m workloads.jobs {{{','.join(STAGES)}}} [options]")
        raise SystemExit(2)
    _main(sys.argv[1], sys.argv[2:])
