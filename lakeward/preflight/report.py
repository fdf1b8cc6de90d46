"""How a preflight report looks to a person: one row per check, the fix under each that blocks."""

from __future__ import annotations

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from lakeward.preflight.checks import Report, Status

MARK = {
    Status.OK: "[green]ok[/]",
    Status.BLOCKER: "[red]BLOCKER[/]",
    Status.MANUAL: "[yellow]manual[/]",
    Status.NOT_EVALUATED: "[dim]not evaluated[/]",
}


def render(report: Report) -> Group:
    """The checks as a table, then the verdict."""
    table = Table(title=f"lakeward preflight: {report.environment}", show_lines=True)
    table.add_column("check")
    table.add_column("status")
    table.add_column("found / fix")
    for check in report.checks:
        text = escape(check.found)
        if check.fix and check.status is not Status.OK:
            text += f"\n[bold]fix:[/] {escape(check.fix)}"
        if check.source and check.status is not Status.OK:
            text += f"\n[dim]{escape(check.source)}[/]"
        table.add_row(f"{check.id}\n[dim]{escape(check.title)}[/]", MARK[check.status], text)
    verdict = "[red]blocked[/]" if report.blockers else "[green]clear to deploy[/]"
    return Group(table, Text.from_markup(f"{verdict}: {report.blockers} blocker(s)"))
