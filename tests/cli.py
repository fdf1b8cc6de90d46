"""The one way tests run the `lakeward` command line: in-process through typer's runner, or, where a
test needs the real entry point in a process of its own, as `python -m lakeward`."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from lakeward.cli import app

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(
    *args: str | Path, env: dict[str, str] | None = None, process: bool = False, unset: str = ""
) -> Result:
    """Run `lakeward ARGS` with `env` added to the environment; an unexpected exception is raised.
    With `process`, in a new Python process whose environment lacks variables starting with `unset`."""
    argv = [str(arg) for arg in args]
    if process:
        kept = {k: v for k, v in os.environ.items() if not (unset and k.startswith(unset))}
        done = subprocess.run(
            [sys.executable, "-m", "lakeward", *argv],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**kept, **(env or {})},
            timeout=300,
        )
        return Result(done.returncode, done.stdout, done.stderr)
    result = CliRunner().invoke(app, argv, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)
