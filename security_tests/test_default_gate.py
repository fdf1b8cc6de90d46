"""The default gate fails on every unwaived failure, whatever its severity, as checkov does."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from policies.base import Severity
from policies.registry import by_id
from policies.scan import build_hcl_report, build_report, run_scan, scan_hcl
from security_tests.mutations import VIOLATIONS
from security_tests.pack_scan import PackScan

BELOW_HIGH = [v for v in VIOLATIONS if by_id()[v.check_id].severity.rank < Severity.HIGH.rank]


def test_the_default_threshold_is_every_failure() -> None:
    for function in (build_report, run_scan, build_hcl_report, scan_hcl):
        assert inspect.signature(function).parameters["fail_on"].default is Severity.LOW


def test_low_and_medium_violations_exist_to_prove_it() -> None:
    severities = {by_id()[v.check_id].severity for v in BELOW_HIGH}
    assert Severity.MEDIUM in severities and len(BELOW_HIGH) >= 5


@pytest.mark.parametrize("violation", BELOW_HIGH, ids=lambda v: v.case_id)
def test_each_planted_violation_below_high_fails_the_default_gate(pack_scan: PackScan, violation) -> None:  # type: ignore[no-untyped-def]
    stack = pack_scan.case(violation)
    results = [r for r in pack_scan.results if Path(r.file).parent.name == stack]
    default = build_report(results, {stack: pack_scan.files[stack]}, [])
    assert default.exit_code == 1 and any(f.check_id == violation.check_id for f in default.blocking)
    relaxed = build_report(results, {stack: pack_scan.files[stack]}, [], Severity.HIGH)
    assert not any(f.check_id == violation.check_id for f in relaxed.blocking)
