"""Evidence bundle of the full prod footprint with 50 tenants: export and verify time.
Target (2 cores): verify under 2 s, in-process and with the standalone auditor script.

The 50 tenants are starter specs (`lakeward tenant new`) synthesized with prod; the scan result is
emulated with one passing finding per resource (running checkov is `make bench`'s scan benchmark)."""

from __future__ import annotations

import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lakeward.evidence.bundle import ExportOptions, export_bundle
from lakeward.evidence.keys import keygen
from lakeward.evidence.verifier import verify_bundle
from policies import contract

TENANTS = 50
VERIFY_TARGET_S = 2.0
RUNS = 3
STANDALONE = Path(__file__).resolve().parent.parent / "scripts" / "verify_evidence.py"


def scan_results(stacks: dict[str, dict]) -> dict:
    findings = [
        {
            "check_id": f"LKW_DBX_{i % 80:03d}",
            "name": "check",
            "resource": f"{kind}.{name}",
            "stack": stack,
            "severity": "HIGH",
            "status": "passed",
            "controls": ["SOC2:CC6.1"],
            "details": [],
            "file": "",
            "line": 1,
        }
        for stack, doc in stacks.items()
        for kind, items in doc.get("resource", {}).items()
        for i, name in enumerate(items)
    ]
    return {"exit_code": 0, "blocking": 0, "findings": findings, "checks": [], "passed": len(findings)}


def prepare(root: Path) -> tuple[ExportOptions, float]:
    """50 tenant specs, the prod footprint synthesized with them, a scan result and a signing key."""
    from lakeward.synth import synthesize
    from lakeward.tenants.scaffold import new_tenant

    tenants = root / "tenants"
    tenants.mkdir()
    for tenant in range(TENANTS):
        new_tenant(f"tenant_{tenant:02d}", tenants, env="prod")
    started = time.perf_counter()
    out = synthesize("prod", root / "synth", tenants_dir=tenants).out
    synth_s = time.perf_counter() - started
    stacks = contract.read_stacks(out)
    results = root / "results"
    results.mkdir()
    (results / "results.json").write_text(json.dumps(scan_results(stacks)))
    keys = keygen(root / "keys")
    options = ExportOptions(
        out=root / "unused", key=keys.private, env="prod", stacks=out, results=results, tenants=tenants
    )
    return options, synth_s


def main() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"synthesizing prod with {TENANTS} tenants ...", flush=True)
        base, synth_s = prepare(root)
        pem = (root / "keys" / "lakeward-evidence.pub.pem").read_bytes()
        exports, verifies, standalone = [], [], []
        for run in range(RUNS):
            options = copy.copy(base)
            options.out = root / f"bundle-{run}"
            started = time.perf_counter()
            result = export_bundle(options)
            exports.append(time.perf_counter() - started)
            started = time.perf_counter()
            checked = verify_bundle(result.bundle, pem)
            verifies.append(time.perf_counter() - started)
            assert checked.ok, checked.problems
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    str(STANDALONE),
                    str(result.bundle),
                    "--pubkey",
                    str(root / "keys" / "lakeward-evidence.pub.pem"),
                ],
                check=True,
                capture_output=True,
            )
            standalone.append(time.perf_counter() - started)
        files = [p for p in result.bundle.rglob("*") if p.is_file()]
        size_mb = sum(p.stat().st_size for p in files) / 1e6
        matrix = json.loads((result.bundle / "data" / "access" / "access-matrix.json").read_bytes())["rows"]
    print(
        f"bundle: {len(files)} files, {size_mb:.1f} MB, {len(matrix)} access-matrix rows, {TENANTS} tenants"
    )
    print(f"synthesis of prod with the tenants (once, before the runs below): {synth_s:.1f} s")
    print(f"{'step':32} {'median s':>9} {'min s':>7} {'x target':>9}")
    for label, values, target in (
        ("export (stacks given)", exports, None),
        ("verify (in-process)", verifies, VERIFY_TARGET_S),
        ("verify (standalone, new python)", standalone, VERIFY_TARGET_S),
    ):
        ratio = f"{statistics.median(values) / target:.2f}" if target else "-"
        print(f"{label:32} {statistics.median(values):>9.3f} {min(values):>7.3f} {ratio:>9}")
    return max(statistics.median(verifies), statistics.median(standalone)) <= VERIFY_TARGET_S


if __name__ == "__main__":
    main()
