"""The `rehearse` command: run the rehearsal, with live progress for people, and report it."""

from __future__ import annotations

from lakeward.errors import LakewardError
from lakeward.output import Outcome, console
from lakeward.rehearsal.report import LiveReporter, render
from lakeward.rehearsal.run import RehearsalOptions, rehearse


def rehearse_command(options: RehearsalOptions, live: bool = False) -> Outcome:
    """Exit 0 when every step and check passed, 1 when one failed, 130 on Ctrl-C."""
    try:
        if live:
            with LiveReporter(console) as reporter:
                result = rehearse(options, reporter=reporter)
        else:
            result = rehearse(options)
    except KeyboardInterrupt:
        raise LakewardError(
            "the emulator and every child process were stopped", source="interrupted", exit_code=130
        ) from None
    return Outcome(result.as_dict(), render(result), exit_code=0 if result.ok else 1)
