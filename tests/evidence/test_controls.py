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
from policies.base import Check
from policies.registry import all_policies, by_id
from tests.evidence import sources as src

NOW = src.NOW

MAPPING = {
    "controls": [
        {
            "id": "SOC2:CC6.1",
            "title": "Logical access",
            "tests": [
                {
                    "id": "tests.test_workspace::test_grants_are_least_privilege",
                    "rationale": "Least privilege.",
                }
            ],
        },
        {"id": "SOC2:WAIVED", "title": "Accepted finding"},
        {"id": "SOC2:FAIL", "title": "Failing check"},
        {
            "id": "X:NOTHING",
            "title": "Evidence never collected",
            "evidence": [{"item": "lineage", "rationale": "Lineage of the pipeline."}],
        },
        {"id": "X:MANUAL", "title": "People process", "manual": "Quarterly access review minutes."},
        {
            "id": "SOC2:PARTIAL",
            "title": "Half collected",
            "evidence": [{"item": "audit-log", "rationale": "Audit events."}],
        },
        {
            "id": "X:WAIVERS",
            "title": "Waivers are current",
            "evidence": [{"item": "waivers", "rationale": "Every waiver is unexpired."}],
        },
    ]
}


def declaring(check_id: str, control: str) -> Check:
    """A check of the pack that declares the SOC 2 `control` and nothing else."""
    policy = type(by_id()[check_id])
    return type(policy.__name__, (policy,), {"soc2": (control,), "iso27001": (), "hipaa": (), "sat": ()})()


CHECKS = [
    declaring("LKW_DBX_040", "CC6.1"),
    declaring("LKW_DBX_041", "WAIVED"),
    declaring("LKW_DBX_057", "FAIL"),
    declaring("LKW_DBX_071", "PARTIAL"),
]


def controls_file(tmp_path: Path, mapping: dict = MAPPING) -> Path:
    path = tmp_path / "controls.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False))
    return path


def items_from(tmp_path: Path, *, stale_tests: bool = False, expired_waiver: bool = False) -> list[Item]:
    paths = src.write_sources(
        tmp_path / "sources", stale_tests=stale_tests, expired_waiver=expired_waiver, waived=("LKW_DBX_041",)
    )
    return [
        collect_scan(paths["results"], NOW),
        *collect_results(paths["results"], NOW),
        collect_waivers(paths["waivers"], NOW),
        Item("lineage", "lineage", "Lineage", "-", status="not evaluated"),
    ]


def statuses(tmp_path: Path, **kwargs: bool) -> dict[str, str]:
    controls = evaluate(load_controls(controls_file(tmp_path), CHECKS), items_from(tmp_path, **kwargs), NOW)
    return {control.id: control.status for control in controls}


def test_each_status_has_its_cause(tmp_path: Path) -> None:
    assert statuses(tmp_path) == {
        "SOC2:CC6.1": "pass",
        "SOC2:WAIVED": "waived",
        "SOC2:FAIL": "fail",
        "X:NOTHING": "not evaluated",
        "X:MANUAL": "manual",
        "SOC2:PARTIAL": "not evaluated",
        "X:WAIVERS": "pass",
    }


def test_expired_waiver_fails_the_control_it_covered(tmp_path: Path) -> None:
    result = statuses(tmp_path, expired_waiver=True)
    assert result["SOC2:WAIVED"] == "fail" and result["X:WAIVERS"] == "fail"


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
    controls = evaluate(load_controls(), [], NOW)
    assert controls and not [c.id for c in controls if c.status in ("pass", "waived")]
    assert {c.status for c in controls} <= {"not evaluated", "manual"}


def test_a_checks_rationale_is_its_own_metadata(tmp_path: Path) -> None:
    (control, *_) = load_controls(controls_file(tmp_path), CHECKS)
    (check,) = [s for s in control.supports if s.type == "check"]
    policy = by_id()["LKW_DBX_040"]
    assert check.rationale == f"{policy.name}: {policy.rationale}"


def test_a_check_supports_every_control_it_declares(tmp_path: Path) -> None:
    """The mapping lists no checks: a control gets each check whose metadata names it, and only those."""
    mapping = {"controls": [{"id": "SOC2:CC7.2", "title": "Monitoring", "manual": "Alert reviews."}]}
    (control,) = evaluate(load_controls(controls_file(tmp_path, mapping)), items_from(tmp_path), NOW)
    checks = {s.ref: s for s in control.supports if s.type == "check"}
    assert set(checks) == {p.id for p in all_policies() if "SOC2:CC7.2" in p.controls()}
    assert checks["LKW_DBX_072"].status == "pass"
    assert (
        checks["LKW_DBX_072"].rationale
        == f"{by_id()['LKW_DBX_072'].name}: {by_id()['LKW_DBX_072'].rationale}"
    )


def test_the_shipped_mapping_covers_the_issue_controls_with_rationales() -> None:
    controls = load_controls()
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
    assert all(s.rationale and "\n" not in s.rationale for c in controls for s in c.supports)
    assert {c.framework for c in controls} == {"SOC 2", "ISO/IEC 27001:2022", "HIPAA Security Rule"}
    kinds = {(c.id, s.type) for c in controls for s in c.supports}
    assert {("SOC2:CC6.1", "check"), ("SOC2:CC6.1", "test"), ("SOC2:CC6.1", "evidence")} <= kinds


@pytest.mark.parametrize(
    ("control", "field", "message"),
    [
        ({"checks": ["LKW_DBX_040"]}, "controls[0].checks", "declare it in their metadata"),
        ({"tests": ["tests.test_synth::*"]}, "controls[0].tests.tests.test_synth::*", "rationale"),
        ({"evidence": [{"item": "scan"}]}, "controls[0].evidence.scan", "rationale"),
        ({"evidence": [{"rationale": "x"}]}, "controls[0].evidence", "no `item`"),
    ],
)
def test_a_bad_support_is_refused(tmp_path: Path, control: dict, field: str, message: str) -> None:
    bad = {"controls": [{"id": "SOC2:CC6.1", "title": "x", **control}]}
    with pytest.raises(LakewardError) as error:
        load_controls(controls_file(tmp_path, bad))
    assert error.value.field == field and message in str(error.value)


def test_a_control_listed_twice_is_refused(tmp_path: Path) -> None:
    twice = {"controls": [{"id": "SOC2:CC6.1", "title": "x"}, {"id": "SOC2:CC6.1", "title": "y"}]}
    with pytest.raises(LakewardError, match="listed twice"):
        load_controls(controls_file(tmp_path, twice))


def test_the_full_bundle_reports_controls_honestly(full_bundle) -> None:
    controls = {c["id"]: c for c in json.loads((full_bundle.bundle / "data" / "controls.json").read_bytes())}
    # Live audit logs were not collected: the controls that need them are not evaluated.
    assert controls["SOC2:CC7.2"]["status"] == "not evaluated"
    assert controls["SOC2:CC6.1"]["status"] == "pass"
    assert controls["HIPAA:164.308(a)(1)(ii)(D)"]["status"] == "manual"
    cc61 = controls["SOC2:CC6.1"]
    assert cc61["rationale"] and {s["type"] for s in cc61["supports"]} == {"check", "test", "evidence"}
    assert all(s["status"] == "pass" for s in cc61["supports"])
