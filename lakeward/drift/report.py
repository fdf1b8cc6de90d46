"""The drift report: one JSON document for CI and evidence, and a view for people.

Exit codes: 0 when the workspace matches the code and no live object fails a check; 1 on any drift or
unwaived finding; 2 when nothing drifted but something could not be read (the verdict is incomplete).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from lakeward.drift.compare import Drift
from lakeward.drift.posture import Posture, live_stack
from lakeward.drift.readers import LiveObject, LiveRead

KIND = "lakeward-drift"
EXIT_CLEAN, EXIT_DRIFT, EXIT_INCOMPLETE = 0, 1, 2


@dataclass
class DriftReport:
    environment: str
    source: str
    live: LiveRead
    drifts: list[Drift]
    posture: Posture
    unmanaged: list[LiveObject] = field(default_factory=list)
    generated_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    )

    @property
    def failed(self) -> list[Any]:
        return [f for f in self.posture.findings if f.status == "failed"]

    @property
    def exit_code(self) -> int:
        if self.drifts or self.failed:
            return EXIT_DRIFT
        return EXIT_INCOMPLETE if self.live.unreadable else EXIT_CLEAN

    def as_dict(self) -> dict[str, Any]:
        findings = []
        for finding in self.posture.findings:
            if finding.status == "passed":
                continue
            entry = finding.as_dict()
            entry["stack"] = live_stack(finding.stack)
            entry["in_code"] = self.posture.code_status(finding)
            entry.pop("file", None)
            entry.pop("line", None)
            findings.append(entry)
        return {
            "kind": KIND,
            "environment": self.environment,
            "source": self.source,
            "host": self.live.host,
            "generated_at": self.generated_at,
            "exit_code": self.exit_code,
            "summary": {
                "drift": dict(sorted(Counter(d.kind for d in self.drifts).items())),
                "findings": dict(sorted(Counter(f["status"] for f in findings).items())),
                "passed_checks": self.posture.passed,
                "read": self.live.counts(),
                "unmanaged": len(self.unmanaged),
                "unreadable": len(self.live.unreadable),
                "vanished": len(self.live.vanished),
            },
            "drift": [d.as_dict() for d in self.drifts],
            "findings": findings,
            "unmanaged": [{"type": o.type, "name": o.key} for o in self.unmanaged],
            "unreadable": self.live.unreadable,
            "vanished": self.live.vanished,
        }


def render(report: DriftReport) -> RenderableType:
    """Drift, then findings, then what could not be read, then the verdict."""
    parts: list[RenderableType] = []
    if report.drifts:
        table = Table(title=f"lakeward drift: {report.environment} at {report.live.host}", show_lines=True)
        for column in ("drift", "resource", "attribute", "code", "live", "caught in CI by"):
            table.add_column(column, overflow="fold")
        for d in report.drifts:
            table.add_row(
                d.kind,
                escape(f"{d.stack}\n{d.resource}" if d.stack else d.resource),
                escape(d.attribute or "(whole object)"),
                escape(_short(d.code)),
                escape(_short(d.live)),
                escape(", ".join(d.checks)),
            )
        parts.append(table)
    data = report.as_dict()
    if data["findings"]:
        table = Table(title="live objects failing the policy pack", show_lines=True)
        for column in ("check", "severity", "resource", "status", "in code", "details"):
            table.add_column(column, overflow="fold")
        for f in data["findings"]:
            table.add_row(
                escape(f"{f['check_id']}\n{f['name']}"),
                f["severity"],
                escape(f"{f['stack']}\n{f['resource']}" if f["stack"] else f["resource"]),
                f["status"],
                str(f["in_code"] or "not in code"),
                escape("\n".join(f["details"])),
            )
        parts.append(table)
    for entry in report.live.unreadable:
        what, reason = escape(entry["what"]), escape(entry["reason"])
        parts.append(Text.from_markup(f"[yellow]not read:[/] {what}: {reason}"))
    for what in report.live.vanished:
        parts.append(Text.from_markup(f"[dim]deleted while reading: {escape(what)}[/]"))
    summary = data["summary"]
    verdict = {
        EXIT_CLEAN: "[green]no drift[/]",
        EXIT_DRIFT: "[red]drift or findings[/]",
        EXIT_INCOMPLETE: "[yellow]incomplete: some objects could not be read[/]",
    }[report.exit_code]
    parts.append(
        Text.from_markup(
            f"{verdict}: {len(report.drifts)} difference(s), {len(report.failed)} failing finding(s), "
            f"{sum(summary['read'].values())} object(s) read, {summary['unmanaged']} unmanaged"
        )
    )
    return Group(*parts)


def _short(value: Any, limit: int = 160) -> str:
    """A value as JSON, cut to `limit` characters."""
    text = "" if value is None else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
