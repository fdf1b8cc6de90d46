"""Policy scan results from `lakeward scan --format sarif,json`: SARIF 2.1.0 and the scan JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.evidence.items import FAILED, Item, not_evaluated, parse_time
from lakeward.evidence.verifier import canonical_json

TITLE = "Policy scan results (SARIF, JSON)"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LakewardError(
            f"not readable JSON: {exc}", source=str(path), fix="re-run `lakeward scan`"
        ) from None


def is_scan_report(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("findings"), list) and "checks" in data


def findings_from_report(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Normalised findings from the scan JSON (passed, failed and waived)."""
    findings = []
    for raw in report["findings"]:
        waiver = raw.get("waiver") or None
        findings.append(
            {
                "check_id": raw["check_id"],
                "resource": raw.get("resource", ""),
                "stack": raw.get("stack", ""),
                "severity": raw.get("severity", "HIGH"),
                "status": raw["status"],
                "controls": raw.get("controls", []),
                "waiver": {"ticket": waiver.get("ticket"), "expires": str(waiver.get("expires"))}
                if waiver
                else None,
            }
        )
    return findings


def findings_from_sarif(sarif: dict[str, Any]) -> list[dict[str, Any]]:
    """Findings from SARIF: one per result; every declared rule without a result counts as passed."""
    findings = []
    for run in sarif.get("runs", []):
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        levels = {"error": "HIGH", "warning": "MEDIUM", "note": "LOW"}
        reported = set()
        for result in run.get("results", []):
            rule_id = result.get("ruleId", "?")
            reported.add(rule_id)
            location = (result.get("locations") or [{}])[0].get("logicalLocations", [{}])[0]
            stack, _, resource = str(location.get("fullyQualifiedName", "/")).partition("/")
            suppressed = any(s.get("status") == "accepted" for s in result.get("suppressions", []))
            findings.append(
                {
                    "check_id": rule_id,
                    "resource": resource,
                    "stack": stack,
                    "severity": levels.get(result.get("level", "error"), "HIGH"),
                    "status": "waived" if suppressed else "failed",
                    "controls": result.get("properties", {}).get("controls", []),
                    "waiver": {"ticket": None, "expires": None} if suppressed else None,
                }
            )
        for rule in rules:
            if rule.get("id") not in reported:
                tags = rule.get("properties", {}).get("tags", [])
                findings.append(
                    {
                        "check_id": rule["id"],
                        "resource": "*",
                        "stack": "*",
                        "severity": levels.get(rule.get("defaultConfiguration", {}).get("level"), "HIGH"),
                        "status": "passed",
                        "controls": [tag for tag in tags if ":" in tag],
                        "waiver": None,
                    }
                )
    return findings


def _sarif_time(sarif: dict[str, Any]) -> dt.datetime | None:
    times = [
        parse_time(invocation.get("endTimeUtc"))
        for run in sarif.get("runs", [])
        for invocation in run.get("invocations", [])
    ]
    return max((t for t in times if t), default=None)


def _sarif_blocking(sarif: dict[str, Any]) -> bool:
    """An unsuppressed result at level `error` fails a SARIF scan."""
    return any(
        result.get("level", "warning") == "error" and not result.get("suppressions")
        for run in sarif.get("runs", [])
        for result in run.get("results", [])
    )


def collect_scan(results: Path | None, now: dt.datetime) -> Item:
    """The scan JSON and SARIF found in `results`; the JSON (which lists passes) is preferred."""
    if results is None or not results.is_dir():
        return not_evaluated("scan", "scan", TITLE, str(results), "no --results folder")
    sarif_files = sorted(results.rglob("*.sarif"))
    reports = [(p, d) for p in sorted(results.rglob("*.json")) if is_scan_report(d := _read_json(p))]
    if not sarif_files and not reports:
        return not_evaluated("scan", "scan", TITLE, str(results), "no SARIF or scan JSON in --results")
    files: dict[str, bytes] = {}
    findings: list[dict[str, Any]] = []
    source_time = None
    blocking = any(report.get("exit_code") or report.get("blocking") for _, report in reports)
    for path in sarif_files:
        sarif = _read_json(path)
        files[f"scan/{path.name}"] = canonical_json(sarif)
        source_time = source_time or _sarif_time(sarif)
        if not reports:
            findings.extend(findings_from_sarif(sarif))
            blocking = blocking or _sarif_blocking(sarif)
    for path, report in reports:
        files[f"scan/{path.name}"] = canonical_json(report)
        findings.extend(findings_from_report(report))
    files["scan/findings.json"] = canonical_json(findings)
    status = Counter(f["status"] for f in findings)
    failed = Counter(f["severity"] for f in findings if f["status"] == "failed")
    summary = {"findings": dict(sorted(status.items())), "failed_by_severity": dict(sorted(failed.items()))}
    item = Item("scan", "scan", TITLE, str(results), summary=summary, files=files)
    if blocking:
        item.status = FAILED
        item.note = "the scan's verdict failed: a finding at or above its threshold is not waived"
    return item.stamp(now, source_time)
