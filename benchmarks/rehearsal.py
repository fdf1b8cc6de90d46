"""The deploy rehearsal of the dev foundation: each step's time, the total, CPU and peak memory of the
whole process tree (python, moto, terraform, provider), and the slowest resources of apply, which set
its floor. Target (2 cores): the whole rehearsal within 90 s."""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

from benchmarks.process import measure

TARGET_S = 90.0


def _slowest_applies(workdir: Path, count: int = 4) -> list[tuple[float, str]]:
    """Seconds from apply_start to apply_complete of the slowest resources in the apply call."""
    log = (workdir / "terraform.log").read_text(encoding="utf-8").split("\n$ ")
    apply = next(section for section in log if section.split(" ", 2)[1:2] == ["apply"])
    started: dict[str, datetime] = {}
    spans = []
    for line in apply.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event["type"] not in ("apply_start", "apply_complete"):
            continue
        address = event["hook"]["resource"]["addr"]
        at = datetime.fromisoformat(event["@timestamp"].replace("Z", "+00:00"))
        if event["type"] == "apply_start":
            started[address] = at
        else:
            spans.append(((at - started[address]).total_seconds(), address))
    return sorted(spans, reverse=True)[:count]


def main() -> bool:
    load_before = os.getloadavg()[0]
    lakeward = str(Path(sys.executable).with_name("lakeward"))
    measured = measure([lakeward, "rehearse", "--env", "dev", "--keep", "--json"])
    result = json.loads(measured.stdout)
    print(f"{'step':12} {'seconds':>8} {'share':>6}  ok")
    for step in result["steps"]:
        share = step["seconds"] / result["seconds"]
        print(f"{step['name']:12} {step['seconds']:>8.1f} {share:>6.0%}  {step['ok']}")
    print(f"{'total':12} {result['seconds']:>8.1f} {'':>6}  {result['ok']}")
    print(
        f"\nprocess tree: wall {measured.wall_s:.1f} s (steps plus interpreter start and teardown), "
        f"cpu {measured.cpu_s:.1f} s, peak {measured.peak_rss_mb:.0f} MB; load average {load_before:.1f} "
        f"before the run on {os.cpu_count()} cores"
    )
    passed = sum(check["ok"] for check in result["checks"])
    print(
        f"total {result['seconds']:.1f} s = {result['seconds'] / TARGET_S:.2f}x the {TARGET_S:.0f} s target; "
        f"{len(result['resources'])} resources, {passed}/{len(result['checks'])} checks passed, "
        f"{len(result['drift_changes'])} drift changes"
    )
    workdir = Path(result["workdir"])
    try:
        print("slowest resources in apply (provider waits run side by side with the rest):")
        for seconds, address in _slowest_applies(workdir):
            print(f"  {seconds:6.1f} s  {address}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return bool(result["ok"]) and result["seconds"] <= TARGET_S


if __name__ == "__main__":
    main()
