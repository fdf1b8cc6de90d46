"""The `pipeline run` command: bring the tables and the index up to date and summarize the run."""

from __future__ import annotations

from pathlib import Path

from lakeward.output import Outcome


def pipeline_run(
    corpus: Path,
    lakehouse: Path,
    engine: str = "local",
    tables: str = "path",
    catalog: str = "llm_dev",
    schema: str = "curated",
    precision: str = "fp32",
    limit: int | None = None,
    lock_wait: float = 60.0,
    pii_mode: str = "mask",
    tenant: str = "default",
    classification: str = "internal",
    live: bool = False,
) -> Outcome:
    """Options are checked before anything runs; with `live`, one progress bar per stage on stderr."""
    from workloads.jobs import pipeline_config
    from workloads.pipeline import run_pipeline
    from workloads.progress import stage_bars
    from workloads.summary import summary_table

    config = pipeline_config(catalog, schema, precision, tables, lock_wait, pii_mode, tenant, classification)
    with stage_bars(enabled=live) as progress:
        result = run_pipeline(corpus, lakehouse, config, engine=engine, progress=progress, limit=limit)
    return Outcome(result.to_json(), summary_table(result))


def maintain(lakehouse: Path, retain_hours: int) -> Outcome:
    """Compact and vacuum every Delta table of a lakehouse; report files and bytes before and after."""
    from workloads.maintenance import maintain_lakehouse, upkeep_table

    results = maintain_lakehouse(lakehouse, retain_hours)
    return Outcome({"tables": [r.as_dict() for r in results]}, upkeep_table(results))
