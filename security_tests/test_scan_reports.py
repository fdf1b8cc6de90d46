"""Waivers, thresholds and the report formats, judged on the session's one checkov run; the CLI end to end."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from policies.base import Severity
from policies.registry import by_id
from policies.reports import to_json, to_junit, to_sarif
from policies.scan import ScanReport, build_report
from policies.waivers import Waiver, load_waivers
from security_tests.conftest import PackScan
from security_tests.mutations import VIOLATIONS

PUBLIC_ACCESS = next(v for v in VIOLATIONS if v.check_id == "LKW_DBX_001")
ONE_SUBNET = next(v for v in VIOLATIONS if v.check_id == "LKW_DBX_003")


def report_for(pack_scan: PackScan, stacks: set[str], waivers: list[Waiver], fail_on: Severity) -> ScanReport:
    results = [r for r in pack_scan.results if Path(r.file).parent.name in stacks]
    files = {stack: pack_scan.files[stack] for stack in stacks}
    return build_report(results, files, waivers, fail_on)


def waiver_for(check: str, resource: str, **overrides: object) -> Waiver:
    fields = {
        "check": check,
        "resource": resource,
        "owner": "security-team",
        "reason": "accepted for the test of waivers in reports",
        "ticket": "SEC-900",
        "expires": dt.date.today() + dt.timedelta(days=30),
        **overrides,
    }
    return Waiver.model_validate(fields)


def write_waivers(tmp_path: Path, entries: list[dict[str, object]]) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(json.dumps({"waivers": entries}, default=str))
    return path


VALID = {
    "check": "LKW_DBX_001",
    "resource": "databricks_mws_private_access_settings.*",
    "owner": "platform-team",
    "reason": "an accepted finding with a reason long enough",
    "ticket": "SEC-1",
    "expires": "2027-06-30",
}


def test_expired_waiver_fails_the_scan(tmp_path: Path) -> None:
    path = write_waivers(tmp_path, [VALID])
    with pytest.raises(LakewardError) as caught:
        load_waivers(path, today=dt.date(2027, 7, 1))
    assert caught.value.exit_code == 2 and caught.value.field == "waivers[0].expires"
    assert "expired on 2027-06-30" in caught.value.message
    assert len(load_waivers(path, today=dt.date(2027, 6, 30))) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"owner": None}, "waivers[0].owner"),
        ({"ticket": "no ticket"}, "waivers[0].ticket"),
        ({"expires": "next year"}, "waivers[0].expires"),
        ({"resource": "a resource"}, "waivers[0].resource"),
        ({"reason": "ok"}, "waivers[0].reason"),
        ({"severity": "LOW"}, "waivers[0].severity"),
    ],
)
def test_malformed_waiver_names_the_field(tmp_path: Path, change: dict[str, object], field: str) -> None:
    entry = {key: value for key, value in {**VALID, **change}.items() if value is not None}
    with pytest.raises(LakewardError) as caught:
        load_waivers(write_waivers(tmp_path, [entry]), today=dt.date(2027, 1, 1))
    assert caught.value.field == field and caught.value.fix


def test_waived_finding_is_reported_not_dropped(pack_scan: PackScan) -> None:
    stack = pack_scan.case(PUBLIC_ACCESS)
    unwaived = report_for(pack_scan, {stack}, [], Severity.HIGH)
    [failed] = [f for f in unwaived.findings if f.check_id == "LKW_DBX_001"]
    assert failed.status == "failed" and unwaived.exit_code == 1

    waiver = waiver_for("LKW_DBX_001", "databricks_mws_private_access_settings.*")
    waived = report_for(pack_scan, {stack}, [waiver], Severity.HIGH)
    assert len(waived.findings) == len(unwaived.findings)
    [finding] = [f for f in waived.findings if f.check_id == "LKW_DBX_001"]
    assert finding.status == "waived" and finding.waiver == waiver
    assert waived.exit_code == 0 and waived.as_dict()["waived"] == 1

    sarif = json.loads(to_sarif(waived))
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "LKW_DBX_001"]
    assert (
        result["suppressions"][0]["status"] == "accepted"
        and "SEC-900" in result["suppressions"][0]["justification"]
    )
    junit = ET.fromstring(to_junit(waived))
    skipped = [case for case in junit.iter("testcase") if case.find("skipped") is not None]
    assert [case.get("name", "").split()[0] for case in skipped] == ["LKW_DBX_001"]


def test_waiver_must_match_check_type_and_stack(pack_scan: PackScan) -> None:
    stack = pack_scan.case(PUBLIC_ACCESS)
    for waiver in (
        waiver_for("LKW_DBX_002", "databricks_mws_private_access_settings.*"),
        waiver_for("LKW_DBX_001", "databricks_mws_networks.*"),
        waiver_for("LKW_DBX_001", "databricks_mws_private_access_settings.*", stack="lakeward-*"),
    ):
        report = report_for(pack_scan, {stack}, [waiver], Severity.HIGH)
        assert report.exit_code == 1 and report.unused_waivers == [waiver]


def test_threshold_decides_the_exit_code(pack_scan: PackScan) -> None:
    stack = pack_scan.case(ONE_SUBNET)
    assert by_id()["LKW_DBX_003"].severity is Severity.MEDIUM
    for fail_on, code in (
        (Severity.LOW, 1),
        (Severity.MEDIUM, 1),
        (Severity.HIGH, 0),
        (Severity.CRITICAL, 0),
    ):
        report = report_for(pack_scan, {stack}, [], fail_on)
        assert report.exit_code == code, fail_on
        assert [f.check_id for f in report.with_status("failed")] == ["LKW_DBX_003"]


def test_findings_name_resources_as_type_and_name(pack_scan: PackScan) -> None:
    policies = by_id()
    for finding in pack_scan.report.findings:
        resource_type, _, name = finding.resource.partition(".")
        assert name and resource_type != "resource", finding
        if finding.check_id in policies:
            assert resource_type in policies[finding.check_id].resource_types
            assert finding.controls == policies[finding.check_id].controls()


def test_sarif_junit_and_json_agree(pack_scan: PackScan) -> None:
    report = pack_scan.report
    failed, waived = len(report.with_status("failed")), len(report.with_status("waived"))
    assert failed and waived
    sarif = json.loads(to_sarif(report))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = (
        [rule["id"] for rule in run["rules"]]
        if "rules" in run
        else [r["id"] for r in run["tool"]["driver"]["rules"]]
    )
    assert set(by_id()) <= set(rule_ids)
    assert len(run["results"]) == failed + waived
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    assert sum("suppressions" in r for r in run["results"]) == waived

    junit = ET.fromstring(to_junit(report))
    assert int(junit.get("failures", "-1")) == failed and int(junit.get("skipped", "-1")) == waived
    assert sum(1 for _ in junit.iter("failure")) == failed

    payload = json.loads(to_json(report))
    assert (payload["passed"], payload["failed"], payload["waived"]) == (
        len(report.with_status("passed")),
        failed,
        waived,
    )
    finding = payload["findings"][0]
    assert {"check_id", "resource", "stack", "severity", "status", "controls"} <= set(finding)
    check = payload["checks"][0]
    assert {"id", "name", "severity", "resource_types", "controls"} <= set(check)


def _lakeward(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lakeward", *args], capture_output=True, text=True)


def _input_dir(tmp_path: Path, pack_scan: PackScan, *stacks: str) -> Path:
    for stack in stacks:
        target = tmp_path / "in" / "stacks" / stack / "cdk.tf.json"
        target.parent.mkdir(parents=True)
        shutil.copy(pack_scan.files[stack], target)
    return tmp_path / "in"


def test_cli_scans_the_real_stacks_clean_with_every_format(tmp_path: Path, pack_scan: PackScan) -> None:
    stacks = sorted(s for s in pack_scan.real_stacks if s.startswith("lakeward-dev-"))
    out = tmp_path / "reports"
    args = ("--format", "text,sarif,junitxml,json", "--out", str(out), "--json")
    result = _lakeward("scan", "--input", str(_input_dir(tmp_path, pack_scan, *stacks)), *args)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["failed"] == 0 and payload["passed"] > 100 and payload["waived"] > 0
    assert sorted(Path(p).name for p in payload["outputs"]) == [
        "results.json",
        "results.sarif",
        "results.xml",
    ]
    assert json.loads((out / "results.json").read_text())["findings"] == payload["findings"]


def test_cli_exits_one_on_a_violation_and_honours_the_threshold(tmp_path: Path, pack_scan: PackScan) -> None:
    folder = _input_dir(tmp_path, pack_scan, pack_scan.case(ONE_SUBNET))
    assert _lakeward("scan", "--input", str(folder), "--fail-on", "high").returncode == 0
    result = _lakeward("scan", "--input", str(folder), "--fail-on", "medium")
    assert result.returncode == 1
    assert "LKW_DBX_003" in result.stdout and "fewer than two subnet_ids" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "pdf"), "--format"),
        (("--fail-on", "SEVERE"), "--fail-on"),
        (("--env", "dev"), "--env/--input"),
    ],
)
def test_cli_bad_options_exit_two(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    (tmp_path / "stacks").mkdir()
    result = _lakeward("scan", "--input", str(tmp_path), *args)
    assert result.returncode == 2 and message in result.stderr


def test_cli_refuses_a_folder_without_stacks_and_an_expired_waiver(tmp_path: Path) -> None:
    result = _lakeward("scan", "--input", str(tmp_path))
    assert result.returncode == 2 and "no stacks/*/cdk.tf.json" in result.stderr
    expired = write_waivers(tmp_path, [{**VALID, "expires": "2020-01-01"}])
    result = _lakeward("scan", "--input", str(tmp_path), "--waivers", str(expired))
    assert result.returncode == 2 and "expired on 2020-01-01" in result.stderr
