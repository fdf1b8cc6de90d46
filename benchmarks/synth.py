"""Synthesis of the full footprint (platform and tenant stacks) without the build cache: wall time, CPU
seconds, peak memory of the process tree (Python and the jsii Node runtime), and the share spent
importing provider bindings. Targets (2 cores): under 6 s and 1.2 GB."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from benchmarks.process import measure

WALL_TARGET_S = 6.0
MEMORY_TARGET_MB = 1200.0

# Child program: time the provider imports apart from building and writing the stacks.
PHASES = """
import json, sys, time
t0 = time.perf_counter()
import lakeward.synth
import cdktn
t1 = time.perf_counter()
import stacks.app
t2 = time.perf_counter()
result = lakeward.synth.synthesize(sys.argv[1], __import__("pathlib").Path(sys.argv[2]), use_cache=False)
t3 = time.perf_counter()
print(json.dumps({"cdktn_import_s": t1 - t0, "provider_import_s": t2 - t1, "build_synth_s": t3 - t2,
                  "resources": result.resources}))
"""


def main() -> bool:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # Warm-up: the first run on a machine unpacks the provider bindings into the jsii cache.
        measure([sys.executable, "-c", PHASES, "dev", str(Path(tmp) / "warm-up")])
        for env_name in ("dev", "prod"):
            for run in ("run 1", "run 2"):
                out = Path(tmp) / f"{env_name}-{len(rows)}"
                measured = measure([sys.executable, "-c", PHASES, env_name, str(out)])
                phases = json.loads(measured.stdout.strip().splitlines()[-1])
                rows.append((env_name, run, measured, phases))
    print(
        f"{'env':5} {'run':6} {'resources':>9} {'wall s':>7} {'cpu s':>6} {'peak MB':>8} "
        f"{'providers s':>11} {'share':>6} {'build+synth s':>13}"
    )
    for env_name, label, m, p in rows:
        share = p["provider_import_s"] / m.wall_s
        print(
            f"{env_name:5} {label:6} {p['resources']:>9} {m.wall_s:>7.2f} {m.cpu_s:>6.2f} "
            f"{m.peak_rss_mb:>8.0f} {p['provider_import_s']:>11.2f} {share:>6.0%} {p['build_synth_s']:>13.2f}"
        )
    worst_wall = max(m.wall_s for _, _, m, _ in rows)
    worst_mem = max(m.peak_rss_mb for _, _, m, _ in rows)
    print(
        f"\nworst wall {worst_wall:.2f} s = {worst_wall / WALL_TARGET_S:.2f}x the "
        f"{WALL_TARGET_S:.0f} s target; peak {worst_mem:.0f} MB = "
        f"{worst_mem / MEMORY_TARGET_MB:.2f}x the {MEMORY_TARGET_MB:.0f} MB target"
    )
    return worst_wall <= WALL_TARGET_S and worst_mem <= MEMORY_TARGET_MB


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
