"""The human summary of a pipeline run."""

from __future__ import annotations

from rich.table import Table

from workloads.pipeline import RunResult


def summary_table(result: RunResult) -> Table:
    table = Table(title="pipeline run")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("engine", f"{result.engine}, {result.precision}")
    table.add_row("seconds", f"{result.seconds:.1f}")
    for name in (
        "documents",
        "chunks",
        "changed",
        "embedded",
        "reused",
        "deleted",
        "duplicates",
        "pii_masked",
    ):
        table.add_row(name, str(getattr(result, name)))
    failed = [q for q in result.quality if not q["passed"]]
    table.add_row("expectations", f"{len(result.quality) - len(failed)}/{len(result.quality)} passed")
    table.add_row("index", "rebuilt" if result.index_rebuilt else "unchanged")
    for stage, seconds in result.stage_seconds.items():
        table.add_row(f"  {stage} s", f"{seconds:.2f}")
    return table
