"""Tenant onboarding: `lakeward tenant plan` of one tenant with 100 tenants present (target under 5 s),
against the full synth of all 100 tenant stacks (resources per second), measured side by side."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from benchmarks.process import measure
from tests.tenant_specs import write_tenants

PLAN_TARGET_S = 5.0

# Child program: synthesize every tenant stack of a folder in dev and report what it wrote.
FULL = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from lakeward.infra.config import load_environment
from lakeward.infra.tenants.loader import load_tenants, tenants_in
from lakeward.synth import synthesize_tenants
tenants = tenants_in("dev", load_tenants(Path(sys.argv[1])))
result = synthesize_tenants(load_environment("dev"), tenants, Path(sys.argv[2]))
print(json.dumps({"stacks": len(result.stacks), "resources": result.resources,
                  "synth_s": result.seconds, "total_s": time.perf_counter() - t0}))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tenants"
        names = write_tenants(folder, 100)
        plan = [
            sys.executable,
            "-m",
            "lakeward",
            "tenant",
            "plan",
            names[42],
            "--json",
            "--tenants-dir",
            str(folder),
        ]
        measure(plan)  # warm-up: the jsii cache and the OS file cache
        plans = [measure(plan) for _ in range(3)]
        full = measure([sys.executable, "-c", FULL, str(folder), str(Path(tmp) / "full")])
    one = json.loads(plans[0].stdout)
    figures = json.loads(full.stdout.strip().splitlines()[-1])
    best = min(m.wall_s for m in plans)
    print(f"{'run':34} {'stacks':>6} {'resources':>9} {'wall s':>7} {'cpu s':>6} {'peak MB':>8}")
    for index, m in enumerate(plans):
        print(
            f"{'tenant plan (1 of 100), run ' + str(index + 1):34} {1:>6} {len(one['resources']):>9} "
            f"{m.wall_s:>7.2f} {m.cpu_s:>6.2f} {m.peak_rss_mb:>8.0f}"
        )
    print(
        f"{'full synth of 100 tenants':34} {figures['stacks']:>6} {figures['resources']:>9} "
        f"{full.wall_s:>7.2f} {full.cpu_s:>6.2f} {full.peak_rss_mb:>8.0f}"
    )
    rate = figures["resources"] / figures["synth_s"]
    print(f"\nbest plan {best:.2f} s = {best / PLAN_TARGET_S:.2f}x the {PLAN_TARGET_S:.0f} s target")
    print(
        f"full synth: {rate:.0f} resources/s inside synthesize_tenants ({figures['synth_s']:.2f} s), "
        f"{figures['resources'] / full.wall_s:.0f} resources/s end to end"
    )
    print(f"one plan costs {best / full.wall_s:.2f}x the full 100-tenant synth")


if __name__ == "__main__":
    main()
