"""The `workers` commands: which resident workers are running, and stopping them."""

from __future__ import annotations

import time
from typing import Any

from lakeward.output import Outcome
from lakeward.workers.client import IDLE_SECONDS, enabled, folder, running, stop_all


def _lines(workers: list[dict[str, Any]], verb: str) -> str:
    now = time.time()
    rows = [
        f"{w.get('kind', '?'):8} pid {w.get('pid', '?'):>7}  up {now - float(w.get('started', now)):7.0f} s  "
        f"{w.get('served', 0):>4} requests  {w.get('socket', '')}\n"
        for w in workers
    ]
    return "".join(rows) or f"no worker {verb}\n"


def status() -> Outcome:
    """Running workers: kind, process, age, requests served and socket."""
    workers = running()
    data = {"enabled": enabled(), "folder": str(folder() or ""), "idle_seconds": IDLE_SECONDS}
    return Outcome({**data, "workers": workers}, _lines(workers, "running"))


def stop() -> Outcome:
    """Stop every worker of this user."""
    stopped = stop_all()
    return Outcome({"stopped": stopped}, _lines(stopped, "was running"))
