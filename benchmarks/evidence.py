"""Evidence bundle of the full prod footprint with 50 tenants: export and verify time.
Target (2 cores): verify under 2 s, in-process and with the standalone auditor script.

The tenant feature has not landed on this branch: 50 tenants are emulated by a synthetic stack that
repeats the pipeline catalog, its schemas and their grants once per tenant (so the access matrix
grows 50x), 50 tenant spec files, and a scan result with one finding per check and resource."""

from __future__ import annotations

import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from lakeward.evidence.bundle import ExportOptions, export_bundle
from lakeward.evidence.keys import keygen
from lakeward.evidence.verifier import verify_bundle

TENANTS = 50
VERIFY_TARGET_S = 2.0
RUNS = 3
STANDALONE = Path(__file__).resolve().parent.parent / "scripts" / "verify_evidence.py"


def tenant_stack(workspace: dict) -> dict:
    """One stack holding, per tenant, a copy of the pipeline catalog, schemas and grants."""
    resources: dict[str, dict] = {}
    for kind in ("databricks_catalog", "databricks_schema", "databricks_grants"):
        for name, body in workspace["resource"].get(kind, {}).items():
            for tenant in range(TENANTS):
                text = json.dumps(body)
                for ref in workspace["resource"].get("databricks_catalog", {}) | workspace["resource"].get(
                    "databricks_schema", {}
                ):
                    text = text.replace(f".{ref}.", f".{ref}-t{tenant:02d}.")
                clone = json.loads(text)
                if kind == "databricks_catalog":
                    clone["name"] = f"{clone['name']}_t{tenant:02d}"
                resources.setdefault(kind, {})[f"{name}-t{tenant:02d}"] = clone
    return {"resource": resources}


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


def prepare(root: Path) -> ExportOptions:
    from lakeward.synth import synthesize

    out = synthesize("prod", root / "synth").out
    workspace = next(out.glob("stacks/*-workspace/cdk.tf.json"))
    tenants_stack = out / "stacks" / "lakeward-prod-tenants" / "cdk.tf.json"
    tenants_stack.parent.mkdir()
    tenants_stack.write_text(json.dumps(tenant_stack(json.loads(workspace.read_text()))))
    stacks = {p.parent.name: json.loads(p.read_text()) for p in out.glob("stacks/*/cdk.tf.json")}
    results = root / "results"
    results.mkdir()
    (results / "results.json").write_text(json.dumps(scan_results(stacks)))
    tenants = root / "tenants"
    tenants.mkdir()
    for tenant in range(TENANTS):
        spec = {
            "name": f"tenant-{tenant:02d}",
            "catalog": f"llm_prod_t{tenant:02d}",
            "groups": [f"t{tenant:02d}"],
        }
        (tenants / f"tenant-{tenant:02d}.yaml").write_text(yaml.safe_dump(spec))
    keys = keygen(root / "keys")
    return ExportOptions(
        out=root / "unused", key=keys.private, env="prod", stacks=out, results=results, tenants=tenants
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("synthesizing prod and emulating 50 tenants ...", flush=True)
        base = prepare(root)
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
    print(f"{'step':32} {'median s':>9} {'min s':>7} {'x target':>9}")
    for label, values, target in (
        ("export (stacks given)", exports, None),
        ("verify (in-process)", verifies, VERIFY_TARGET_S),
        ("verify (standalone, new python)", standalone, VERIFY_TARGET_S),
    ):
        ratio = f"{statistics.median(values) / target:.2f}" if target else "-"
        print(f"{label:32} {statistics.median(values):>9.3f} {min(values):>7.3f} {ratio:>9}")


if __name__ == "__main__":
    main()
