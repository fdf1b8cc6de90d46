"""Test, security-test and rehearsal results: JUnit XML, pytest JSON reports and the rehearsal JSON."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.evidence.collectors.scan import is_scan_report
from lakeward.evidence.items import FAILED, Item, not_evaluated, parse_time
from lakeward.evidence.verifier import canonical_json


def junit_cases(root: ET.Element) -> list[dict[str, str]]:
    """`{id, outcome}` per test case; id is `classname::name` as pytest writes it."""
    cases = []
    for case in root.iter("testcase"):
        outcome = "passed"
        for tag, name in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
            if case.find(tag) is not None:
                outcome = name
                break
        cases.append({"id": f"{case.get('classname', '')}::{case.get('name', '')}", "outcome": outcome})
    return cases


def _kind(path: Path, names: list[str]) -> str:
    text = " ".join([path.stem, *names]).lower()
    return "security-tests" if "security" in text else "tests"


SCAN_SUITES = "lakeward scan"  # `lakeward scan --format junitxml`: the scan collector reads its JSON


def collect_junit(path: Path, now: dt.datetime) -> Item | None:
    """Test results from one JUnit file; None for the policy scan's own JUnit report."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise LakewardError(
            f"not JUnit XML: {exc}", source=str(path), fix="pass pytest's --junitxml output"
        ) from None
    if root.get("name") == SCAN_SUITES:
        return None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    cases = junit_cases(root)
    kind = _kind(path, [suite.get("name", "") for suite in suites])
    counts = {
        outcome: sum(c["outcome"] == outcome for c in cases)
        for outcome in ("passed", "failed", "error", "skipped")
    }
    times = [parse_time(suite.get("timestamp")) for suite in suites]
    item = Item(
        f"{kind}:{path.stem}",
        kind,
        f"{'Security test' if kind == 'security-tests' else 'Test'} results ({path.name})",
        path.name,
        summary={"tests": len(cases), **counts},
        files={
            f"results/{path.name}": path.read_bytes(),
            f"results/{path.stem}.cases.json": canonical_json(cases),
        },
    )
    if counts["failed"] or counts["error"]:
        item.status = FAILED
    return item.stamp(now, min((t for t in times if t), default=None))


def collect_pytest_json(path: Path, data: dict[str, Any], now: dt.datetime) -> Item:
    """A pytest-json-report file: `tests` with `nodeid` and `outcome`, `created` in epoch seconds."""
    cases = [{"id": test["nodeid"], "outcome": test["outcome"]} for test in data["tests"]]
    kind = _kind(path, [c["id"] for c in cases[:1]])
    counts = {o: sum(c["outcome"] == o for c in cases) for o in ("passed", "failed", "error", "skipped")}
    item = Item(
        f"{kind}:{path.stem}",
        kind,
        f"Test results ({path.name})",
        path.name,
        summary={"tests": len(cases), **counts},
        files={
            f"results/{path.name}": canonical_json(data),
            f"results/{path.stem}.cases.json": canonical_json(cases),
        },
    )
    if counts["failed"] or counts["error"]:
        item.status = FAILED
    created = data.get("created")
    return item.stamp(now, parse_time(created * 1000) if isinstance(created, int | float) else None)


def collect_rehearsal(path: Path, data: dict[str, Any], now: dt.datetime) -> Item:
    """`lakeward rehearse --json`: apply, drift plan, checks and destroy against the emulator."""
    checks = data.get("checks", [])
    summary = {
        "ok": bool(data.get("ok")),
        "environment": data.get("environment"),
        "steps": {step.get("name"): step.get("ok") for step in data.get("steps", [])},
        "checks_passed": sum(bool(c.get("ok")) for c in checks),
        "checks": len(checks),
        "drift_changes": len(data.get("drift_changes", [])),
    }
    item = Item(
        f"rehearsal:{path.stem}",
        "rehearsal",
        f"Deployment rehearsal ({path.name})",
        path.name,
        summary=summary,
        files={f"results/{path.name}": canonical_json(data)},
    )
    if not data.get("ok"):
        item.status = FAILED
    return item.stamp(now, parse_time(data.get("finished_at") or data.get("timestamp")))


def collect_results(results: Path | None, now: dt.datetime) -> list[Item]:
    """Every JUnit XML, pytest JSON and rehearsal JSON in `results`; absent kinds are `not evaluated`."""
    items: list[Item] = []
    if results is not None and results.is_dir():
        for path in sorted(results.rglob("*.xml")):
            if (item := collect_junit(path, now)) is not None:
                items.append(item)
        for path in sorted(results.rglob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise LakewardError(f"not valid JSON: {exc}", source=str(path), fix="regenerate it") from None
            if not isinstance(data, dict) or is_scan_report(data):
                continue
            if {"ok", "steps", "checks"} <= data.keys():
                items.append(collect_rehearsal(path, data, now))
            elif isinstance(data.get("tests"), list) and "summary" in data:
                items.append(collect_pytest_json(path, data, now))
    found = {item.kind for item in items}
    titles = {"tests": "Test results", "security-tests": "Security test results", "rehearsal": "Rehearsal"}
    for kind, title in titles.items():
        if kind not in found:
            items.append(not_evaluated(kind, kind, title, str(results), f"no {kind} results in --results"))
    return items
