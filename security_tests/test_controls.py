"""Check metadata is complete and the one control mapping is derived from it: a control's checks are the
checks that declare it, `policies/controls.yaml` lists none and titles every control a check declares;
every test and evidence item it names exists; every rationale is one line."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from lakeward.evidence.controls import CONTROLS_FILE, load_controls, matches_case
from lakeward.evidence.items import MAX_AGE_DAYS
from policies.registry import all_policies, by_id

ROOT = Path(__file__).resolve().parent.parent
CONTROL_ID = {
    "SOC2": re.compile(r"^(CC\d\.\d|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)$"),
    "ISO27001": re.compile(r"^A\.[5-8]\.\d{1,2}$"),
    "HIPAA": re.compile(r"^164\.3(08|10|12)\([a-e]\)(\(\d+\))?(\([ivx]+\))?(\([A-Z]\))?$"),
    "SAT": re.compile(r"^(DP|GOV|IA|INFO|NS)-\d+$"),
}
MAPPING = yaml.safe_load(CONTROLS_FILE.read_text())["controls"]
# Every control a check declares (SAT references name Databricks SAT checks, not controls) -> check IDs.
DECLARED = {
    control: [policy.id for policy in all_policies() if control in policy.controls()]
    for control in {c for policy in all_policies() for c in policy.controls() if not c.startswith("SAT:")}
}


def one_line(text: object) -> bool:
    return isinstance(text, str) and bool(text.strip()) and "\n" not in text.strip()


def known_test_ids() -> set[str]:
    """`classname::name` of every test function in tests/ and security_tests/, as pytest's JUnit
    writes it (without the `[...]` of parametrized cases)."""
    ids = set()
    for path in [*ROOT.glob("tests/**/test_*.py"), *ROOT.glob("security_tests/**/test_*.py")]:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                ids.add(f"{module}::{node.name}")
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                ids.update(
                    f"{module}.{node.name}::{method.name}"
                    for method in node.body
                    if isinstance(method, ast.FunctionDef) and method.name.startswith("test")
                )
    return ids


@pytest.mark.parametrize("policy", all_policies(), ids=lambda p: p.id)
def test_check_metadata_is_complete(policy) -> None:
    assert policy.name and policy.rationale and policy.remediation
    assert one_line(policy.rationale), "the rationale is what the control mapping shows for the check"
    assert policy.soc2 and policy.iso27001, "every check maps to SOC 2 and ISO 27001"
    for control in policy.controls():
        framework, _, identifier = control.partition(":")
        assert CONTROL_ID[framework].match(identifier), control


def test_controls_are_well_formed_and_listed_once() -> None:
    counts = Counter(entry["id"] for entry in MAPPING)
    assert not [control for control, count in counts.items() if count > 1]
    for entry in MAPPING:
        framework, _, identifier = entry["id"].partition(":")
        assert framework in CONTROL_ID and framework != "SAT", entry["id"]
        assert CONTROL_ID[framework].match(identifier), entry["id"]
        assert one_line(entry.get("title")), entry["id"]
        assert set(entry) <= {"id", "title", "rationale", "tests", "evidence", "manual"}, entry["id"]
        assert entry["id"] in DECLARED or entry.get("tests") or entry.get("evidence") or entry.get("manual")
        for key in ("rationale", "manual"):
            assert key not in entry or one_line(entry[key]), (entry["id"], key)


def test_every_control_a_check_declares_is_in_the_mapping() -> None:
    """Only the mapping gives a control its title."""
    assert set(DECLARED) <= {entry["id"] for entry in MAPPING}


def test_a_controls_checks_are_the_checks_that_declare_it() -> None:
    """The loader derives each control's checks from the checks' metadata, in ID order, with the check's
    own name and rationale; a control may have no check at all (only tests, evidence or a manual part)."""
    controls = load_controls()
    for control in controls:
        checks = [s for s in control.supports if s.type == "check"]
        assert [s.ref for s in checks] == DECLARED.get(control.id, []), control.id
        policies = [by_id()[s.ref] for s in checks]
        assert [s.rationale for s in checks] == [f"{p.name}: {p.rationale}" for p in policies]


def test_named_tests_and_evidence_items_exist() -> None:
    tests = known_test_ids()
    for entry in MAPPING:
        for test in entry.get("tests", []):
            assert one_line(test.get("rationale")), (entry["id"], test["id"])
            assert any(matches_case(case, test["id"]) for case in tests), (entry["id"], test["id"])
        for item in entry.get("evidence", []):
            assert one_line(item.get("rationale")), (entry["id"], item["item"])
            assert item["item"] in MAX_AGE_DAYS, (entry["id"], item["item"])


def test_the_mapping_loads_with_a_one_line_rationale_for_every_support() -> None:
    controls = load_controls()
    assert [c.id for c in controls] == [entry["id"] for entry in MAPPING]
    assert all(one_line(s.rationale) for c in controls for s in c.supports)
