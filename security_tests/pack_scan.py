"""The `pack_scan` fixture: one checkov run per test session over the real dev and prod stacks and every
planted case. The root conftest.py loads it, so tests/ and security_tests/ share that one run."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from policies import contract
from policies.checkov_runner import CheckovResult, run_checkov
from policies.scan import ScanReport, build_report
from policies.waivers import load_waivers
from security_tests.mutations import COMPLIANT_VARIANTS, FIXTURES, VIOLATIONS, Violation
from tests.footprint import Synthesized

COMPLIANT_STACK = "case-compliant"


@dataclass(frozen=True)
class PackScan:
    files: dict[str, Path]
    results: list[CheckovResult]
    report: ScanReport
    real_stacks: frozenset[str]

    def case(self, violation: Violation) -> str:
        return f"case-{violation.case_id}"


def source_body(
    synthesized: dict[str, Synthesized], violation: Violation
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The real resource a violation mutates (made compliant first where needed) and a copy of its stack
    document, or a fixture and an empty document."""
    found = [
        (name, body, synthesized[violation.env].stacks[stack])
        for stack, kind, name, body in synthesized[violation.env].all_resources()
        if kind == violation.resource_type
        and re.search(violation.stack, stack)
        and violation.name_part in name
        and (violation.where is None or violation.where(body))
    ]
    if not found:
        return "fixture", copy.deepcopy(FIXTURES[violation.resource_type]), {}
    assert len(found) == 1, f"{violation.case_id}: select one of {[name for name, _, _ in found]}"
    name, body, document = copy.deepcopy(found[0])  # one copy: `body` stays the document's own
    if violation.resource_type in COMPLIANT_VARIANTS:
        COMPLIANT_VARIANTS[violation.resource_type](body)
    return name, body, document


def write_stack(root: Path, stack: str, document: dict[str, Any]) -> Path:
    path = contract.stack_path(root, stack)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def pack_scan(synthesized: dict[str, Synthesized], tmp_path_factory: pytest.TempPathFactory) -> PackScan:
    root = tmp_path_factory.mktemp("policy-cases")
    files = {
        stack: contract.stack_path(synth.out, stack)
        for synth in synthesized.values()
        for stack in synth.stacks
    }
    compliant: dict[str, dict[str, Any]] = {  # one name per fixture, so each finding names its type
        kind: {f"fixture-{kind}": copy.deepcopy(body)} for kind, body in FIXTURES.items()
    }
    for kind, make_compliant in COMPLIANT_VARIANTS.items():
        name, body = next((n, b) for _, k, n, b in synthesized["dev"].all_resources() if k == kind)
        body = copy.deepcopy(body)
        make_compliant(body)
        compliant.setdefault(kind, {})[name] = body
    files[COMPLIANT_STACK] = write_stack(root, COMPLIANT_STACK, {"resource": compliant})
    for violation in VIOLATIONS:
        name, body, document = source_body(synthesized, violation)
        if violation.document:
            violation.change(document)
        else:
            violation.change(body)
            document = {"resource": {violation.resource_type: {name: body}}}
        files[f"case-{violation.case_id}"] = write_stack(root, f"case-{violation.case_id}", document)
    results = run_checkov(files)
    report = build_report(results, files, load_waivers(), source=str(root))
    real = frozenset(stack for synth in synthesized.values() for stack in synth.stacks)
    return PackScan(files, results, report, real)
