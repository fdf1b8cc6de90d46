"""Scan reports: a summary for people, SARIF and JUnit XML for CI, JSON for machines."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.table import Table

from lakeward.errors import LakewardError
from lakeward.files import write_atomic
from lakeward.output import line

from .base import Severity
from .registry import by_id
from .scan import Finding, ScanReport

COUNTED = ("failed", "waived", "passed")  # the summary's columns, of a finding's statuses
FORMATS = ("text", "sarif", "junitxml", "json")
FILE_NAMES = {"sarif": "results.sarif", "junitxml": "results.xml", "json": "results.json"}
SARIF_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}


def parse_formats(value: str) -> list[str]:
    formats = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [part for part in formats if part not in FORMATS]
    if unknown or not formats:
        raise LakewardError(
            f"unknown format {', '.join(unknown) or '(empty)'}",
            field="--format",
            fix=f"use {','.join(FORMATS)}",
        )
    return formats


def write_reports(report: ScanReport, formats: list[str], out: Path) -> list[Path]:
    """Write the file formats among `formats` into `out`; return the paths written."""
    writers = {"sarif": to_sarif, "junitxml": to_junit, "json": to_json}
    written = []
    for name in formats:
        if name in writers:
            path = out / FILE_NAMES[name]
            write_atomic(path, writers[name](report))
            written.append(path)
    return written


def summary(report: ScanReport) -> Group:
    """Counts by severity and by control, then every unwaived failure, every waiver applied and every
    check that could not decide from HCL."""
    by_severity = Table(title=f"Findings by severity (fail on {report.fail_on.value} and above)")
    for column in ("severity", *COUNTED):
        by_severity.add_column(column, justify="left" if column == "severity" else "right")
    severities = Counter((f.severity, f.status) for f in report.findings)
    for severity in reversed(Severity):
        by_severity.add_row(severity.value, *(str(severities[severity, status]) for status in COUNTED))

    controls = Counter((control, f.status) for f in report.findings for control in f.controls)
    by_control = Table(title="Lakeward checks by control")
    for column in ("control", *COUNTED):
        by_control.add_column(column, justify="left" if column == "control" else "right")
    for control in sorted({control for control, _ in controls}):
        by_control.add_row(control, *(str(controls[control, status]) for status in COUNTED))

    blocking_ids = {id(finding) for finding in report.blocking}
    lines = []
    for finding in report.with_status("failed"):
        blocking = "[red]FAIL[/]" if id(finding) in blocking_ids else "[yellow]warn[/]"
        details = "; ".join(finding.details)
        lines.append(
            f"{blocking} {finding.severity.value} {finding.check_id} {finding.stack}/{finding.resource}: "
            f"{finding.name}" + (f" ({details})" if details else "")
        )
    for finding in report.with_status("waived"):
        waiver = finding.waiver
        assert waiver is not None
        lines.append(
            f"[dim]waived {finding.check_id} {finding.stack}/{finding.resource} "
            f"({waiver.ticket}, {waiver.owner}, until {waiver.expires})[/]"
        )
    for finding in report.undecided:
        lines.append(
            f"[yellow]undecided[/] {finding.check_id} {finding.stack}/{finding.resource} "
            f"({finding.file}:{finding.line}): {'; '.join(finding.details)}"
        )
    if report.unused_waivers:
        tickets = ", ".join(sorted({waiver.ticket for waiver in report.unused_waivers}))
        lines.append(
            f"[yellow]{len(report.unused_waivers)} waiver(s) matched no finding[/] "
            f"(a partial footprint, or stale: {tickets})"
        )
    verdict = "[red]failed[/]" if blocking_ids else "[green]passed[/]"
    failed, waived, passed = (sum(severities[s, status] for s in Severity) for status in COUNTED)
    lines.append(
        f"scan {verdict}: {passed} passed, {failed} failed ({len(blocking_ids)} at or above "
        f"{report.fail_on.value}), {waived} waived in {report.seconds:.1f} s"
    )
    return Group(by_severity, by_control, *(line(text, wrap=False) for text in lines))


def to_json(report: ScanReport) -> str:
    return json.dumps(report.as_dict(), indent=2, sort_keys=True) + "\n"


def to_sarif(report: ScanReport) -> str:
    """SARIF 2.1.0: failed and waived findings; waived ones carry an accepted external suppression."""
    policies = by_id()
    shown = [f for f in report.findings if f.status != "passed"]
    rule_ids = sorted({f.check_id for f in shown} | set(policies))
    rules = []
    for rule_id in rule_ids:
        policy = policies.get(rule_id)
        example = next((f for f in shown if f.check_id == rule_id), None)
        severity = policy.severity if policy else (example.severity if example else Severity.HIGH)
        rule: dict[str, Any] = {
            "id": rule_id,
            "name": policy.name if policy else (example.name if example else rule_id),
            "shortDescription": {"text": policy.name if policy else (example.name if example else rule_id)},
            "defaultConfiguration": {"level": SARIF_LEVEL[severity]},
            "properties": {"security-severity": SECURITY_SEVERITY[severity], "tags": ["security"]},
        }
        if policy:
            rule["fullDescription"] = {"text": policy.rationale}
            rule["help"] = {"text": policy.remediation}
            rule["properties"]["tags"] = ["security", *policy.controls()]
        rules.append(rule)
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    results = [_sarif_result(f, index[f.check_id]) for f in shown]
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "lakeward-scan", "rules": rules}}, "results": results}],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _sarif_result(finding: Finding, rule_index: int) -> dict:
    message = f"{finding.name}: {finding.resource}" + (
        f" ({'; '.join(finding.details)})" if finding.details else ""
    )
    result: dict = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "level": SARIF_LEVEL[finding.severity],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": Path(finding.file).as_posix()},
                    "region": {"startLine": max(finding.line, 1)},
                },
                "logicalLocations": [{"fullyQualifiedName": f"{finding.stack}/{finding.resource}"}],
            }
        ],
        "properties": {"stack": finding.stack, "controls": finding.controls},
    }
    if finding.waiver is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{finding.waiver.reason} ({finding.waiver.ticket}, {finding.waiver.owner}, "
                f"expires {finding.waiver.expires})",
            }
        ]
    return result


def to_junit(report: ScanReport) -> str:
    """One test suite per stack, one test case per check and resource; waived findings, and checks that
    could not decide from HCL, are skipped."""
    suites = ET.Element("testsuites", name="lakeward scan")
    for stack in sorted({f.stack for f in [*report.findings, *report.undecided]}):
        findings = [f for f in report.findings if f.stack == stack]
        undecided = [f for f in report.undecided if f.stack == stack]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=stack,
            tests=str(len(findings) + len(undecided)),
            failures=str(sum(f.status == "failed" for f in findings)),
            skipped=str(sum(f.status == "waived" for f in findings) + len(undecided)),
            errors="0",
        )
        for finding in [*findings, *undecided]:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{stack}.{finding.resource}",
                name=f"{finding.check_id} {finding.name}",
            )
            if finding.status == "failed":
                failure = ET.SubElement(
                    case,
                    "failure",
                    message="; ".join(finding.details) or finding.name,
                    type=finding.severity.value,
                )
                failure.text = f"{finding.file}:{finding.line} controls: {', '.join(finding.controls) or '-'}"
            elif finding.status == "waived" and finding.waiver is not None:
                ET.SubElement(
                    case, "skipped", message=f"waived: {finding.waiver.ticket} until {finding.waiver.expires}"
                )
            elif finding.status == "undecided":
                ET.SubElement(case, "skipped", message=f"undecided: {'; '.join(finding.details)}")
    suites.set("tests", str(len(report.findings) + len(report.undecided)))
    suites.set("failures", str(len(report.with_status("failed"))))
    suites.set("skipped", str(len(report.with_status("waived")) + len(report.undecided)))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
