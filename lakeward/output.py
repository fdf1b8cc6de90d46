"""Console output shared by every command: rich for people, one JSON object for machines.

`console` (stdout) and `errors` (stderr) are rich consoles made on first use, so that a command
printing plain text or JSON never imports rich."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lakeward.errors import LakewardError

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

console: Console
errors: Console


def __getattr__(name: str) -> Console:
    if name not in ("console", "errors"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _console(stderr=name == "errors")


@functools.cache
def _console(*, stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr)


@dataclass(frozen=True)
class Outcome:
    """What a command prints and how it ends: `data` for `--json`, `view` for people (a `str` is
    printed as it is, anything else through rich), then `error` raised or `exit_code` returned."""

    data: Any
    view: RenderableType
    exit_code: int = 0
    error: LakewardError | None = None


def line(markup: str, *, highlight: bool = False, wrap: bool = True, style: str = "") -> Text:
    """One line of console markup; `wrap=False` keeps it whole however narrow the terminal."""
    from rich.highlighter import ReprHighlighter
    from rich.text import Text

    text = Text.from_markup(markup, style=style)
    if highlight:
        ReprHighlighter().highlight(text)
    if not wrap:
        text.no_wrap, text.overflow = True, "ignore"
    return text


def print_json(payload: Any) -> None:
    """Print exactly one JSON object on stdout."""
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def run_job(job: Callable[[list[str]], Any], argv: list[str]) -> None:
    """A wheel entry point's shell: print the JSON object `job(argv)` returns; on `LakewardError`,
    print the message and exit with its code (no traceback)."""
    try:
        print_json(job(argv))
    except LakewardError as exc:
        _console(stderr=True).print(f"[red]error:[/] {exc}", highlight=False)
        raise SystemExit(exc.exit_code) from None


def show(outcome: Outcome, json_out: bool = False) -> int:
    """Print the outcome's JSON or its view; raise its error; return its exit code."""
    if json_out:
        print_json(outcome.data)
    elif isinstance(outcome.view, str):
        sys.stdout.write(outcome.view)
        sys.stdout.flush()
    else:
        _console(stderr=False).print(outcome.view, crop=False)
    if outcome.error is not None:
        raise outcome.error
    return outcome.exit_code
