"""Control statuses are honest: pass only when every support passed; fail, waived, stale, manual and
not evaluated each when their cause is present; nothing passes by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lakeward.errors import LakewardError
from lakeward.evidence.collectors.results import collect_results
from lakeward.evidence.collectors.scan import collect_scan
from lakeward.evidence.collectors.waivers import collect_waivers
from lakeward.evidence.controls import Control, Support, evaluate, load_controls
from lakeward.evidence.items import Item
from tests.evidence import sources as src

NOW = src.NOW

MAPPING = {
    "controls": [
        {
            "id": "SOC2:CC6.1",
            "title": "Logical access",
            "checks": [{"id": "LKW_DBX_040", "rationale": "No broad admin grants."}],
            "tests": [
                {
                    "id": "tests.test_workspace::test_grants_are_least_privilege",
                    "rationale": "Least privilege.",
                }
            ],
        },
        {
            "id": "X:WAIVED",
            "title": "Accepted finding",
            "checks": [{"id": "CKV_AWS_144", "rationale": "Replication is waived for the first release."}],
        },
        {
            "id": "X:FAIL",
            "title": "Failing check",
            "checks": [{"id": "LKW_DBX_057", "rationale": "Budget policy."}],
        },
        {
            "id": "X:NOTHING",
            "title": "Evidence never collected",
            "evidence": [{"item": "lineage", "rationale": "Lineage of the pipeline."}],
        },
        {"id": "X:MANUAL", "title": "People process", "manual": "Quarterly access review minutes."},
        {
            "id": "X:PARTIAL",
            "title": "Half collected",
            "checks": [{"id": "LKW_DBX_071", "rationale": "IP access lists."}],
            "evidence": [{"item": "audit-log", "rationale": "Audit events."}],
        },
        {
            "id": "X:WAIVERS",
            "title": "Waivers are current",
            "evidence": [{"item": "waivers", "rationale": "Every waiver is unexpired."}],
        },
    ]
}


def controls_file(tmp_path: Path, mapping: dict = MAPPING) -> Path:
    path = tmp_path / "controls.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False))
    return path


def items_from(tmp_path: Path, *, stale_tests: bool = False, expired_waiver: bool = False) -> list[Item]:
    paths = src.write_sources(tmp_path / "sources", stale_tests=stale_tests, expired_waiver=expired_waiver)
    return [
        collect_scan(paths["results"], NOW),
        *collect_results(paths["results"], NOW),
        collect_waivers(paths["waivers"], NOW),
        Item("lineage", "lineage", "Lineage", "-", status="not evaluated"),
    ]


def statuses(tmp_path: Path, **kwargs: bool) -> dict[str, str]:
    controls = evaluate(
        load_controls(controls_file(tmp_path), policy_file=None), items_from(tmp_path, **kwargs), NOW
    )
    return {control.id: control.status for control in controls}


def test_each_status_has_its_cause(tmp_path: Path) -> None:
    assert statuses(tmp_path) == {
        "SOC2:CC6.1": "pass",
        "X:WAIVED": "waived",
        "X:FAIL": "fail",
        "X:NOTHING": "not evaluated",
        "X:MANUAL": "manual",
        "X:PARTIAL": "not evaluated",
        "X:WAIVERS": "pass",
    }


def test_expired_waiver_fails_the_control_it_covered(tmp_path: Path) -> None:
    result = statuses(tmp_path, expired_waiver=True)
    assert result["X:WAIVED"] == "fail" and result["X:WAIVERS"] == "fail"


def test_stale_test_results_make_the_control_stale(tmp_path: Path) -> None:
    assert statuses(tmp_path, stale_tests=True)["SOC2:CC6.1"] == "stale"


def test_a_test_name_covers_its_parametrized_cases() -> None:
    """pytest's JUnit names parametrized cases `name[dev]`: the mapped name covers them all."""
    cases = [
        {"id": "tests.test_workspace::test_grants_are_least_privilege[dev]", "outcome": "passed"},
        {"id": "tests.test_workspace::test_grants_are_least_privilege[prod]", "outcome": "failed"},
        {"id": "tests.test_workspace::test_grants_are_least_privilege_elsewhere[dev]", "outcome": "passed"},
    ]
    tests = Item(
        "tests:pytest",
        "tests",
        "Tests",
        "pytest.xml",
        files={"tests/pytest.cases.json": json.dumps(cases).encode()},
    )
    control = Control(
        "X:T", "t", [Support("test", "tests.test_workspace::test_grants_are_least_privilege", "r")]
    )
    (support,) = evaluate([control], [tests], NOW)[0].supports
    assert support.status == "fail"
    assert support.detail == "failed: tests.test_workspace::test_grants_are_least_privilege[prod]"


def test_nothing_passes_by_default(tmp_path: Path) -> None:
    """No sources at all: no control passes, whatever it maps."""
    controls = evaluate(load_controls(policy_file=None), [], NOW)
    assert controls and not [c.id for c in controls if c.status in ("pass", "waived")]
    assert {c.status for c in controls} <= {"not evaluated", "manual"}


def test_checks_tagged_in_the_policy_pack_support_their_controls(tmp_path: Path) -> None:
    items = items_from(tmp_path)
    controls = {c.id: c for c in evaluate(load_controls(policy_file=None), items, NOW)}
    cc72 = {s.ref: s for s in controls["SOC2:CC7.2"].supports if s.type == "check"}
    assert (
        cc72["LKW_DBX_072"].status == "pass"
        and cc72["LKW_DBX_072"].rationale == "Workspace writes verbose audit logs: why LKW_DBX_072"
    )


def test_every_shipped_support_has_a_rationale_and_known_framework() -> None:
    controls = load_controls(policy_file=None)
    ids = {c.id for c in controls}
    assert {
        "SOC2:CC6.1",
        "SOC2:CC6.6",
        "SOC2:CC7.2",
        "SOC2:CC8.1",
        "ISO27001:A.5.15",
        "ISO27001:A.8.24",
        "HIPAA:164.312(a)(1)",
    } <= ids
    assert all(s.rationale for c in controls for s in c.supports)
    assert {c.framework for c in controls} == {"SOC 2", "ISO/IEC 27001:2022", "HIPAA Security Rule"}


def test_policy_controls_file_adds_checks_in_either_shape(tmp_path: Path) -> None:
    as_list = tmp_path / "list.yaml"
    # The shape the policies branch writes: checks as IDs, one rationale for the control.
    entry = {
        "id": "SOC2:CC6.6",
        "framework": "SOC2",
        "control": "CC6.6",
        "title": "Boundary protection",
        "rationale": "Private networking keeps the workspace off the internet.",
        "checks": ["LKW_DBX_004"],
    }
    as_list.write_text(yaml.safe_dump({"controls": [entry]}))
    as_map = tmp_path / "map.yaml"
    as_map.write_text(
        yaml.safe_dump(
            {
                "controls": {
                    "ISO27001:A.8.20": {"title": "Network security", "checks": [{"id": "LKW_DBX_075"}]}
                }
            }
        )
    )
    for path, control_id, check in (
        (as_list, "SOC2:CC6.6", "LKW_DBX_004"),
        (as_map, "ISO27001:A.8.20", "LKW_DBX_075"),
    ):
        control = next(c for c in load_controls(policy_file=path) if c.id == control_id)
        added = {s.ref: s.rationale for s in control.supports if s.type == "check"}
        assert added[check] in (
            "Private networking keeps the workspace off the internet.",
            "mapped in map.yaml",
        )


def test_a_support_without_rationale_is_refused(tmp_path: Path) -> None:
    bad = {"controls": [{"id": "SOC2:CC6.1", "title": "x", "checks": ["LKW_DBX_040"]}]}
    with pytest.raises(LakewardError) as error:
        load_controls(controls_file(tmp_path, bad), policy_file=None)
    assert error.value.field == "controls[0].checks.LKW_DBX_040"


def test_the_full_bundle_reports_controls_honestly(full_bundle) -> None:
    controls = {c["id"]: c for c in json.loads((full_bundle.bundle / "data" / "controls.json").read_bytes())}
    # Live audit logs were not collected: the controls that need them are not evaluated.
    assert controls["SOC2:CC7.2"]["status"] == "not evaluated"
    assert controls["SOC2:CC6.1"]["status"] == "pass"
    assert controls["HIPAA:164.308(a)(1)(ii)(D)"]["status"] == "manual"
    assert all(s["status"] == "pass" for s in controls["SOC2:CC6.1"]["supports"])
