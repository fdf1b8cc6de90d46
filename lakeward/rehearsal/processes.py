"""Child processes that always stop: each runs in its own process group, which is signalled as a whole
(a terraform provider plugin dies with its terraform) on success, failure, Ctrl-C and SIGTERM."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

_live: set[subprocess.Popen] = set()


def spawn(
    args: list[str], *, env: dict[str, str], cwd: Path | None = None, **kwargs: Any
) -> subprocess.Popen:
    """Start `args` as the leader of a new process group and remember it until it is stopped."""
    process = subprocess.Popen(args, env=env, cwd=cwd, start_new_session=True, **kwargs)
    _live.add(process)
    return process


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def stop(process: subprocess.Popen, *, first: int = signal.SIGTERM, grace: float = 10.0) -> None:
    """Signal the process group with `first`, give it `grace` seconds, then kill whatever is left."""
    if process.poll() is None:
        _signal_group(process, first)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    _signal_group(process, signal.SIGKILL)  # leftovers of the group, such as a provider plugin
    process.wait()
    _live.discard(process)


def stop_all() -> None:
    """Stop every child still running (the last line of defence, run at interpreter exit)."""
    for process in list(_live):
        stop(process, grace=2.0)


atexit.register(stop_all)


def follow(process: subprocess.Popen, stream: IO[str], on_line: Callable[[str], None]) -> int:
    """Hand each line `process` writes to `stream` to `on_line` and return its exit status. If anything
    interrupts (Ctrl-C, SIGTERM, an error in `on_line`), stop the process gracefully first: SIGINT lets
    terraform finish the call in flight and write its state."""
    try:
        for line in stream:
            on_line(line)
        status = process.wait()
    except BaseException:
        stop(process, first=signal.SIGINT, grace=15.0)
        raise
    stop(process)  # reaps it and kills anything it left in its group
    return status


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while the block runs, so cleanup code runs for both."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
