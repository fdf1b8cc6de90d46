"""`lakeward scan` of the full footprint: checkov with the built-in checks only against checkov with the
Lakeward pack, on the same synthesized JSON, interleaved in one run. Targets (2 cores): the pack adds at
most 50% and the scan with the pack stays under 10 s. Wall time swings with machine load: the best of
several runs is compared, and CPU seconds (Lakeward plus checkov) give the steadier ratio."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from lakeward.synth import synthesize
from policies.checkov_runner import run_checkov
from policies.registry import all_policies
from policies.scan import build_report, stack_files
from policies.waivers import load_waivers

REPEATS = 5
OVERHEAD_TARGET = 0.50
WALL_TARGET_S = 10.0


def timed(files: dict[str, Path], with_pack: bool) -> tuple[float, float, int]:
    """Wall and CPU seconds (this process and checkov) of one scan, and the number of results."""
    before, started = os.times(), time.perf_counter()
    results = run_checkov(files, with_pack=with_pack)
    build_report(results, files, load_waivers())
    after = os.times()
    cpu = sum(after[i] - before[i] for i in range(4))
    return time.perf_counter() - started, cpu, len(results)


def main() -> bool:
    print(f"{len(all_policies())} Lakeward checks; {REPEATS} interleaved runs per mode")
    print(
        f"{'footprint':9} {'resources':>9} {'mode':13} {'results':>7} {'best s':>7} {'median s':>8} "
        f"{'cpu s':>6} {'best ratio':>10} {'cpu ratio':>9}"
    )
    worst_ratio, worst_wall = 0.0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for env_name in ("dev", "prod"):
            synthesized = synthesize(env_name, Path(tmp) / env_name)
            files = stack_files(synthesized.out)
            timed(files, with_pack=True)  # warm-up: page cache and checkov's compiled modules
            runs: dict[bool, list[tuple[float, float, int]]] = {False: [], True: []}
            for _ in range(REPEATS):
                for with_pack in (False, True):
                    runs[with_pack].append(timed(files, with_pack))
            best = {mode: min(w for w, _, _ in runs[mode]) for mode in runs}
            cpu = {mode: statistics.median(c for _, c, _ in runs[mode]) for mode in runs}
            for with_pack, label in ((False, "built-in only"), (True, "with pack")):
                median = statistics.median(w for w, _, _ in runs[with_pack])
                print(
                    f"{env_name:9} {synthesized.resources:>9} {label:13} {runs[with_pack][0][2]:>7} "
                    f"{best[with_pack]:>7.2f} {median:>8.2f} {cpu[with_pack]:>6.2f} "
                    f"{best[with_pack] / best[False]:>9.2f}x {cpu[with_pack] / cpu[False]:>8.2f}x"
                )
            worst_ratio = max(worst_ratio, best[True] / best[False] - 1)
            worst_wall = max(worst_wall, max(w for w, _, _ in runs[True]))
    print(
        f"\npack overhead (worst footprint, best of {REPEATS}) {worst_ratio:+.0%} against the "
        f"{OVERHEAD_TARGET:.0%} target; slowest single scan with the pack {worst_wall:.2f} s = "
        f"{worst_wall / WALL_TARGET_S:.2f}x the {WALL_TARGET_S:.0f} s target"
    )
    return worst_ratio <= OVERHEAD_TARGET and worst_wall <= WALL_TARGET_S
