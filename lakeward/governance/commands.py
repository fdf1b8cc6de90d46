"""`lakeward bootstrap` as an `Outcome`: the steps as a table, or one JSON object."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group
from rich.table import Table

from lakeward.governance.bootstrap import BootstrapResult, bootstrap
from lakeward.governance.sql import PIPELINE_SCHEMA
from lakeward.output import Outcome, line

VERBS = {"create": "created", "replace": "replaced", "alter": "altered", "unchanged": "unchanged"}


def run(env: str, environ: Mapping[str, str], dry_run: bool = False) -> Outcome:
    """Bootstrap the environment's governance objects and tables (or, with `dry_run`, plan only)."""
    result = bootstrap(env, environ, dry_run=dry_run)
    return Outcome(result.as_dict(), _view(result))


def _view(result: BootstrapResult) -> Group:
    table = Table(title=f"lakeward bootstrap: {result.environment} (warehouse {result.warehouse_id})")
    for column in ("kind", "name", "action"):
        table.add_column(column)
    for step in result.steps:
        action = (
            f"would {step.action}" if result.dry_run and step.action != "unchanged" else VERBS[step.action]
        )
        table.add_row(step.kind, step.name, action)
    count = len(result.changes)
    summary = (
        "nothing to change: every object is in place"
        if not count
        else f"{count} change(s) planned; run without --dry-run to make them"
        if result.dry_run
        else f"{count} change(s) made and recorded in the governance schema's bootstrap_record"
    )
    waiting = [
        line(
            f"tenant {tenant.tenant}: waits for its tenant stack ({tenant.stack}) to create "
            f"{tenant.catalog}.{PIPELINE_SCHEMA}; run the bootstrap again once it is applied"
        )
        for tenant in result.waiting
    ]
    return Group(table, line(summary), *waiting)
