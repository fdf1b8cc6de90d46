"""How a rehearsal looks to a person: live progress while it runs, then the step and check tables."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console, Group, RenderableType
from rich.status import Status
from rich.table import Table

from lakeward.output import line
from lakeward.rehearsal.run import RehearsalResult, Step
from lakeward.rehearsal.terraform import Event

MARK = {True: "[green]ok[/]", False: "[red]FAIL[/]"}


class LiveReporter:
    """A spinner naming the running step and, during apply and destroy, the resources done so far."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.status: Status = console.status("starting")
        self.step = ""
        self.done = 0

    def __enter__(self) -> LiveReporter:
        self.status.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.status.stop()

    def step_started(self, name: str) -> None:
        self.step, self.done = name, 0
        self.status.update(f"{name} ...")

    def step_finished(self, step: Step) -> None:
        first_line = step.detail.splitlines()[0] if step.detail else ""
        self.console.print(
            f"{MARK[step.ok]} {step.name:<11} {step.seconds:6.1f} s  {first_line}", highlight=False
        )

    def terraform_event(self, event: Event) -> None:
        if event["type"] in ("apply_complete", "refresh_complete"):
            self.done += 1
            address = event["hook"]["resource"]["addr"]
            self.status.update(f"{self.step}: {self.done} done, last {address}")


def render(result: RehearsalResult) -> Group:
    """The step table with timings, the check table, and what the rehearsal changed or left out."""
    steps = Table(title=f"lakeward rehearse: {result.stack}")
    steps.add_column("step")
    steps.add_column("seconds", justify="right")
    steps.add_column("result")
    steps.add_column("detail", overflow="fold")
    for step in result.steps:
        steps.add_row(step.name, f"{step.seconds:.1f}", MARK[step.ok], step.detail)
    steps.add_row(
        "[bold]total", f"[bold]{result.seconds:.1f}", MARK[result.ok], f"{len(result.resources)} resources"
    )
    parts: list[RenderableType] = [steps]
    if result.checks:
        checks = Table(title="verification through the AWS API")
        checks.add_column("check")
        checks.add_column("result")
        checks.add_column("detail", overflow="fold")
        for check in result.checks:
            checks.add_row(check.name, MARK[check.ok], check.detail)
        parts.append(checks)
    notes = [f"[red]drift:[/] {change['action']} {change['address']}" for change in result.drift_changes]
    notes += [f"[yellow]excluded:[/] {item['address']}: {item['reason']}" for item in result.excluded]
    providers = result.providers
    if providers:
        notes.append(
            f"provider aws: synthesized for {providers['synthesized']}, rehearsed on {providers['rehearsed']}"
        )
    parts += [line(note, highlight=True) for note in notes]
    parts += [
        line(f"emulator fix {fix['name']}: {fix['defect']}", highlight=True, style="dim")
        for fix in result.emulator_fixes
    ]
    if result.workdir:
        parts.append(line(f"kept: {result.workdir}", highlight=True))
    return Group(*parts)
