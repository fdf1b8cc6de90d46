"""Child process groups stop as a whole, on success, on failure and on interruption."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from lakeward.rehearsal.processes import follow, sigterm_as_interrupt, spawn, stop


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:  # a zombie is as good as gone
        return handle.read().split()[2] != "Z"


def _family() -> tuple[subprocess.Popen, int]:
    """A shell that leaves a grandchild running in its group, as terraform leaves its provider."""
    process = spawn(
        ["bash", "-c", "sleep 60 & echo $!; wait"], env=dict(os.environ), stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def test_stop_ends_the_whole_group() -> None:
    process, grandchild = _family()
    stop(process, grace=2)
    time.sleep(0.1)
    assert process.poll() is not None and not _alive(grandchild)


def test_an_interruption_while_following_output_stops_the_group() -> None:
    process = spawn(
        ["bash", "-c", "sleep 60 & echo $!; echo go; wait"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    seen: list[str] = []

    def on_line(line: str) -> None:
        seen.append(line)
        if line.strip() == "go":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        follow(process, process.stdout, on_line)
    time.sleep(0.1)
    assert process.poll() is not None and not _alive(int(seen[0]))


def test_sigterm_becomes_keyboard_interrupt_inside_the_block() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert signal.getsignal(signal.SIGTERM) is before
