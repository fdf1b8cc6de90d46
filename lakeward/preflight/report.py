"""How a preflight report looks to a person: one row per check, the fix under each that blocks."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lakeward.preflight.checks import Report, Status

MARK = {
    Status.OK: "[green]ok[/]",
    Status.BLOCKER: "[red]BLOCKER[/]",
    Status.MANUAL: "[yellow]manual[/]",
    Status.NOT_EVALUATED: "[dim]not evaluated[/]",
}


def render(console: Console, report: Report) -> None:
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
    console.print(table)
    verdict = "[red]blocked[/]" if report.blockers else "[green]clear to deploy[/]"
    console.print(f"{verdict}: {report.blockers} blocker(s)")
