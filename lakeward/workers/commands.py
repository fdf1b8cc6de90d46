"""The `workers` commands: which resident workers are running, and stopping them."""

from __future__ import annotations

import time
from typing import Any

from lakeward.output import Outcome
from lakeward.workers.client import (
    IDLE_SECONDS,
    SETTING,
    enabled,
    folder,
    private_folder,
    running,
    stop_all,
)


def _lines(workers: list[dict[str, Any]], verb: str) -> str:
    now = time.time()
    rows = [
        f"{w.get('kind', '?'):8} pid {w.get('pid', '?'):>7}  up {now - float(w.get('started', now)):7.0f} s  "
        f"{w.get('served', 0):>4} requests  {w.get('socket', '')}\n"
        for w in workers
    ]
    return "".join(rows) or f"no worker {verb}\n"


def status() -> Outcome:
    """Running workers: kind, process, age, requests served and socket; and why none can run, if so."""
    workers, base, on = running(), folder(), enabled()
    data = {"enabled": on, "folder": str(base or ""), "idle_seconds": IDLE_SECONDS, "workers": workers}
    if not on:
        return Outcome(data, f"workers are off here ({SETTING} or CI)\n" + _lines(workers, "running"))
    if base is None:
        problem = f"workers cannot run: {private_folder()} is not a folder only this user can open (0700)\n"
        return Outcome(data, problem)
    return Outcome(data, _lines(workers, "running"))


def stop() -> Outcome:
    """Stop every worker of this user."""
    stopped = stop_all()
    return Outcome({"stopped": stopped}, _lines(stopped, "was running"))
