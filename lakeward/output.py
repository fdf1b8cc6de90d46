"""Console output shared by every command: rich for people, one JSON object for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console, RenderableType
from rich.highlighter import ReprHighlighter
from rich.text import Text

from lakeward.errors import LakewardError

console = Console()
errors = Console(stderr=True)


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
        errors.print(f"[red]error:[/] {exc}", highlight=False)
        raise SystemExit(exc.exit_code) from None


def show(outcome: Outcome, json_out: bool = False) -> int:
    """Print the outcome's JSON or its view; raise its error; return its exit code."""
    if json_out:
        print_json(outcome.data)
    elif isinstance(outcome.view, str):
        sys.stdout.write(outcome.view)
        sys.stdout.flush()
    else:
        console.print(outcome.view, crop=False)
    if outcome.error is not None:
        raise outcome.error
    return outcome.exit_code
