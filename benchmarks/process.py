"""Measure a child process tree: wall time, CPU seconds and the peak of its summed resident memory."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    stdout: str


def tree(pid: int) -> list[int]:
    pids, frontier = [pid], [pid]
    while frontier:
        current = frontier.pop()
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                children = [int(c) for c in task.read_text().split()]
            except OSError:
                continue
            pids.extend(children)
            frontier.extend(children)
    return pids


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(
    command: list[str],
    env: dict[str, str] | None = None,
    interval: float = 0.02,
    unset: tuple[str, ...] = (),
) -> Measured:
    """Run `command` with `env` added to the environment and `unset` removed from it, sampling the
    summed RSS of the process and all its descendants."""
    before = os.times()
    started = time.perf_counter()
    environment = {k: v for k, v in os.environ.items() if k not in unset} | (env or {})
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, sum(rss_kb(pid) for pid in tree(process.pid)))
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = process.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    after = os.times()
    if process.returncode != 0:
        raise RuntimeError(f"{command} exited {process.returncode}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return Measured(wall, cpu, peak / 1024, stdout)
