"""The inner loop, side by side in one run: `lakeward synth`, `lakeward scan --env dev` and `lakeward tenant
plan` (with its scan), each `--no-cache` (the path without a build cache or workers), cold (an empty
cache, no worker running), warm with nothing changed, warm after editing one tenant and warm after
editing the environment's network block, in a project of 3 tenants (the shipped ones) and one of 100
(generated).

"Warm" means the build cache holds the last run and the resident workers (`lakeward.workers`) that the
cold run started in the background have finished loading: the benchmark waits for them and prints how
long that took, and how much memory they hold. The workers run in a socket folder of the benchmark's own
and are stopped at the end.

Goals: warm with one tenant edited among 100, `tenant plan` with its scan in 1.5 s and `scan --env dev` in
3 s; warm with nothing changed, `synth` in 1 s and `scan --env dev` in 1.5 s (both projects); cold no
slower than `--no-cache` (within 15%). Each figure is the fastest of its runs (three edits, two or three
alternating cold and `--no-cache` runs; one network edit), since single runs on a shared 2-core machine
vary by a third. Wall seconds of the command; CPU seconds beside them count the command's processes and
the workers' (what they spent on its behalf). The commands run as on a workstation, with Python writing
its bytecode cache even where `PYTHONDONTWRITEBYTECODE` is set (it is in some CI images, and recompiling
Lakeward's modules on every start adds about 0.1 s to each run). The load average is printed before and
after, since the figures are meaningful only on a quiet machine.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.common import verdict
from benchmarks.process import Measured, measure, rss_kb, tree
from lakeward.workers.client import running, stop_all
from tests.tenant_specs import write_tenants

REPO = Path(__file__).resolve().parent.parent
COMMANDS = ("synth", "scan", "tenant plan")
STATES = ("--no-cache", "cold", "warm, nothing changed", "warm, one tenant edited", "warm, network edited")
COLD_TOLERANCE = 1.15
# The workers a cold run of each command starts: synth (the platform was built), then the checkov one.
WORKERS = {"synth": 1, "scan": 2, "tenant plan": 2}
# `--no-cache` and cold runs of each command, alternating (the fastest of each is compared).
REPEATS = {"synth": 2, "scan": 2, "tenant plan": 3}
GOALS = {
    ("100", "warm, one tenant edited", "tenant plan"): 1.5,
    ("100", "warm, one tenant edited", "scan"): 3.0,
    ("3", "warm, nothing changed", "synth"): 1.0,
    ("100", "warm, nothing changed", "synth"): 1.0,
    ("3", "warm, nothing changed", "scan"): 1.5,
    ("100", "warm, nothing changed", "scan"): 1.5,
}


class Project:
    """A project folder (environments, tenants) with a build cache of its own."""

    def __init__(self, root: Path, tenants: int) -> None:
        self.root = root
        shutil.copytree(REPO / "environments", root / "environments")
        if tenants == 3:
            shutil.copytree(REPO / "tenants", root / "tenants")
            self.tenant = "claims_analytics"
        else:
            self.tenant = write_tenants(root / "tenants", tenants)[0]
        self.edits = 0

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    def command(self, name: str, no_cache: bool) -> list[str]:
        args = {
            "synth": ["synth", "--env", "dev", "--out", str(self.root / "out")],
            "scan": ["scan", "--env", "dev", "--out", str(self.root / "scan")],
            "tenant plan": ["tenant", "plan", self.tenant],
        }[name]
        return [sys.executable, "-m", "lakeward", *args, *(["--no-cache"] if no_cache else [])]

    def run(self, name: str, no_cache: bool = False) -> Measured:
        env = {"LAKEWARD_PROJECT": str(self.root), "LAKEWARD_CACHE": str(self.cache)}
        before = _workers_cpu()
        measured = measure(self.command(name, no_cache), env=env, unset=("PYTHONDONTWRITEBYTECODE",))
        return replace(measured, cpu_s=measured.cpu_s + _workers_cpu() - before)

    def edit_tenant(self) -> None:
        self.edits += 1
        spec = self.root / "tenants" / f"{self.tenant}.yaml"
        spec.write_text(
            re.sub(r"monthly_usd: [0-9.]+", f"monthly_usd: {5000 + self.edits}", spec.read_text())
        )

    def edit_network(self) -> None:
        self.edits += 1
        env = self.root / "environments" / "dev.yaml"
        days = f"flow_log_retention_days: {90 + self.edits}"
        env.write_text(re.sub(r"flow_log_retention_days: [0-9]+", days, env.read_text()))


def measure_project(project: Project) -> dict[tuple[str, str], Measured]:
    """Every command in every state, each the fastest of `REPEATS` runs but the network edit (one run;
    it rebuilds the platform). A cold run follows an emptied cache with no worker running; the
    `--no-cache` and cold runs alternate, and after each cold run the benchmark waits for the workers it
    started (stopping them again before the next `--no-cache` run)."""
    figures: dict[tuple[str, str], Measured] = {}
    for name in COMMANDS:
        uncached, cold = [], []
        for _ in range(REPEATS[name]):
            stop_all()
            uncached.append(project.run(name, no_cache=True))
            shutil.rmtree(project.cache, ignore_errors=True)
            cold.append(project.run(name))
            _wait_for_workers(name)
        figures[(name, "--no-cache")] = min(uncached, key=_wall)
        figures[(name, "cold")] = min(cold, key=_wall)
        figures[(name, "warm, nothing changed")] = min((project.run(name) for _ in range(3)), key=_wall)
        edited = []
        for _ in range(3):
            project.edit_tenant()
            edited.append(project.run(name))
        figures[(name, "warm, one tenant edited")] = min(edited, key=_wall)
        project.edit_network()
        figures[(name, "warm, network edited")] = project.run(name)
    return figures


def _workers_cpu() -> float:
    """CPU seconds the running workers and the scanners they forked have used so far."""
    total = 0.0
    for worker in running():
        try:
            fields = Path(f"/proc/{worker['pid']}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += sum(int(fields[index]) for index in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")
    return total


def _wait_for_workers(command: str) -> None:
    """Wait until the workers a cold run started answer; print how long that took and their memory."""
    started = time.perf_counter()
    while len(running()) < WORKERS[command] and time.perf_counter() - started < 120:
        time.sleep(0.1)
    waited = time.perf_counter() - started
    memory = ", ".join(f"{w['kind']} {_rss_mb(int(w['pid'])):.0f} MB" for w in running())
    print(f"  after the cold {command}: workers ready in {waited:.1f} s ({memory})")


def _rss_mb(pid: int) -> float:
    """Resident memory of a worker and its children (the synth worker's Node process holds the bindings)."""
    return sum(rss_kb(process) for process in tree(pid)) / 1024


def _wall(measured: Measured) -> float:
    return measured.wall_s


def _print(tenants: str, figures: dict[tuple[str, str], Measured]) -> None:
    print(f"\n{tenants} tenants: wall s (CPU s)")
    print(f"{'state':26}" + "".join(f"{name:>20}" for name in COMMANDS))
    for state in STATES:
        cells = [figures[(name, state)] for name in COMMANDS]
        print(f"{state:26}" + "".join(f"{f'{m.wall_s:.2f} ({m.cpu_s:.2f})':>20}" for m in cells))


def _load(label: str) -> None:
    one, five, fifteen = os.getloadavg()
    print(f"load average {label}: {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs")


def main() -> bool:
    _load("before")
    results: dict[str, dict[tuple[str, str], Measured]] = {}
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as tmp:
        os.environ.update({"LAKEWARD_WORKERS": "on", "XDG_RUNTIME_DIR": tmp})
        try:
            for count in (3, 100):
                project = Project(Path(tmp) / f"p{count}", count)
                print(f"\n{count} tenants")
                results[str(count)] = measure_project(project)
                _print(str(count), results[str(count)])
        finally:
            stop_all()
    _load("after")
    met = [
        verdict(
            f"{tenants} tenants, {state}: {name} (wall s)",
            results[tenants][(name, state)].wall_s,
            goal,
            False,
        )
        for (tenants, state, name), goal in GOALS.items()
    ]
    for tenants, figures in results.items():
        for name in COMMANDS:
            ratio = figures[(name, "cold")].wall_s / figures[(name, "--no-cache")].wall_s
            met.append(verdict(f"{tenants} tenants, cold / --no-cache: {name}", ratio, COLD_TOLERANCE, False))
    return all(met)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
