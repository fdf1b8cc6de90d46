"""Every check is proven both ways: it fails a planted violation and passes a compliant resource; the
real dev and prod stacks scan clean."""

from __future__ import annotations

import datetime as dt

import pytest

from policies.base import Resource
from policies.registry import all_policies, by_id
from security_tests.mutations import VIOLATIONS, Violation
from security_tests.pack_scan import COMPLIANT_STACK, PackScan, source
from tests.footprint import Synthesized

POLICIES = all_policies()


def test_pack_has_at_least_thirty_databricks_checks() -> None:
    databricks = [p for p in POLICIES if any(t.startswith("databricks_") for t in p.resource_types)]
    assert len(databricks) >= 30


def test_every_check_has_a_planted_violation() -> None:
    assert {v.check_id for v in VIOLATIONS} == {p.id for p in POLICIES}


@pytest.mark.parametrize("violation", VIOLATIONS, ids=lambda v: v.case_id)
def test_planted_violation_fails(
    pack_scan: PackScan, synthesized: dict[str, Synthesized], violation: Violation
) -> None:
    name, original, document = source(synthesized, violation)
    policy = by_id()[violation.check_id]
    resource = Resource(violation.resource_type, name, original, document)
    assert policy.evaluate(resource) == [], "the source must comply"
    findings = pack_scan.planted_findings(violation, name)
    assert findings, f"{violation.check_id} did not evaluate the planted {violation.resource_type}"
    assert [f.status for f in findings] == ["failed"]
    assert findings[0].details, "a failure must say what is wrong"


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.id)
def test_check_passes_a_compliant_resource(pack_scan: PackScan, policy) -> None:
    passing = [
        f
        for f in pack_scan.report.findings
        if f.check_id == policy.id
        and f.status == "passed"
        and (f.stack in pack_scan.real_stacks or f.stack == COMPLIANT_STACK)
    ]
    assert passing, f"no compliant resource passes {policy.id}"


def test_real_stacks_scan_clean(pack_scan: PackScan) -> None:
    real = [f for f in pack_scan.report.findings if f.stack in pack_scan.real_stacks]
    failed = [
        f"{f.check_id} {f.stack}/{f.resource}: {f.details or f.name}" for f in real if f.status == "failed"
    ]
    assert not failed, "\n".join(failed)
    assert {f.stack for f in real} == set(pack_scan.real_stacks)
    lakeward_checked = {f.check_id for f in real if f.check_id.startswith("LKW_")}
    assert len(lakeward_checked) >= 45, "the pack must evaluate the real stacks, not only the fixtures"
    for finding in real:
        if finding.status == "waived":
            assert finding.waiver is not None and finding.waiver.expires >= dt.date.today()


def test_no_waiver_is_stale(pack_scan: PackScan) -> None:
    assert pack_scan.report.unused_waivers == []
