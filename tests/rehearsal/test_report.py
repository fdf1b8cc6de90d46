"""The human report: the step table with timings and total, the checks, and what was changed or left out."""

from __future__ import annotations

from rich.console import Console

from lakeward.rehearsal.checks import CheckResult
from lakeward.rehearsal.report import LiveReporter, render
from lakeward.rehearsal.run import RehearsalResult, Step
from stacks.names import FOUNDATION, stack_id


def test_render_shows_steps_with_times_checks_and_drift() -> None:
    result = RehearsalResult(
        environment="dev",
        stack=stack_id("dev", FOUNDATION),
        steps=[Step("apply", 61.25, True, "65 resources"), Step("drift plan", 7.5, False, "1 change")],
        drift_changes=[{"address": "aws_kms_key.k", "action": "update"}],
        checks=[CheckResult("public_access_blocked", False, "b: no public access block")],
        excluded=[{"address": "aws_x.y", "reason": "moto lacks it"}],
        providers={"synthesized": "6.69.1", "rehearsed": "5.100.0"},
    )
    console = Console(record=True, width=160)
    console.print(render(result))
    text = console.export_text()
    for expected in (
        "apply",
        "61.2",
        "drift plan",
        "68.8",
        "FAIL",
        "public_access_blocked",
        "b: no public access block",
        "drift: update aws_kms_key.k",
        "excluded: aws_x.y: moto lacks it",
        "rehearsed on 5.100.0",
    ):
        assert expected in text, expected


def test_live_reporter_prints_each_finished_step() -> None:
    console = Console(record=True, width=120)
    with LiveReporter(console) as reporter:
        reporter.step_started("apply")
        reporter.terraform_event({"type": "apply_complete", "hook": {"resource": {"addr": "aws_vpc.v"}}})
        reporter.step_finished(Step("apply", 3.0, True, "1 resources\nmore"))
    assert reporter.done == 1
    assert "ok apply" in console.export_text() and "more" not in console.export_text()
