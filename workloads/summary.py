"""The human summary of a pipeline run: its counts, then every document collapsed, quarantined or
empty with its reason."""

from __future__ import annotations

from rich.table import Table

from workloads.pipeline import RunResult


def summary_table(result: RunResult) -> Table:
    table = Table(title="pipeline run")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("engine", f"{result.engine}, {result.precision}")
    table.add_row("seconds", f"{result.seconds:.1f}")
    for name in ("documents", "chunks", "changed", "embedded", "reused", "deleted", "pii_masked"):
        table.add_row(name, str(getattr(result, name)))
    failed = [q for q in result.quality if not q["passed"]]
    table.add_row("expectations", f"{len(result.quality) - len(failed)}/{len(result.quality)} passed")
    table.add_row("index", "rebuilt" if result.index_rebuilt else "unchanged")
    table.add_row("duplicates", str(result.duplicates))
    for item in result.collapsed:
        table.add_row(f"  {item['doc_id']}", f"duplicate of {item['duplicate_of']} ({item['rule']})")
    table.add_row("quarantined", str(len(result.quarantined)))
    for item in result.quarantined:
        table.add_row(f"  {item['source']}", item["reason"])
    table.add_row("empty", str(len(result.empty)))
    for doc_id in result.empty:
        table.add_row(f"  {doc_id}", "no text after normalization; not written")
    for stage, seconds in result.stage_seconds.items():
        table.add_row(f"  {stage} s", f"{seconds:.2f}")
    return table
