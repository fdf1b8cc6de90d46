"""Check metadata is complete and `policies/controls.yaml` agrees with it."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from lakeward.policies.registry import all_policies

CONTROLS_FILE = Path(__file__).resolve().parent.parent / "policies" / "controls.yaml"
CONTROL_ID = {
    "SOC2": re.compile(r"^(CC\d\.\d|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)$"),
    "ISO27001": re.compile(r"^A\.[5-8]\.\d{1,2}$"),
    "HIPAA": re.compile(r"^164\.312\([a-e]\)(\(\d\)(\([ivx]+\))?)?$"),
    "SAT": re.compile(r"^(DP|GOV|IA|INFO|NS)-\d+$"),
}


@pytest.mark.parametrize("policy", all_policies(), ids=lambda p: p.id)
def test_check_metadata_is_complete(policy) -> None:
    assert policy.name and policy.rationale and policy.remediation
    assert policy.soc2 and policy.iso27001, "every check maps to SOC 2 and ISO 27001"
    for control in policy.controls():
        framework, _, identifier = control.partition(":")
        assert CONTROL_ID[framework].match(identifier), control


def test_controls_file_matches_the_checks() -> None:
    document = yaml.safe_load(CONTROLS_FILE.read_text())
    expected: dict[str, set[str]] = defaultdict(set)
    for policy in all_policies():
        for control in policy.controls():
            if not control.startswith("SAT:"):
                expected[control].add(policy.id)
    listed = {entry["id"]: entry for entry in document["controls"]}
    assert set(listed) == set(expected)
    for control, entry in listed.items():
        assert set(entry["checks"]) == expected[control], control
        assert entry["id"] == f"{entry['framework']}:{entry['control']}"
        assert entry["title"] and entry["rationale"] and "\n" not in entry["rationale"].strip()
