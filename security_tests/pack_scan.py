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
Body = dict[str, Any]


@dataclass(frozen=True)
class PackScan:
    files: dict[str, Path]
    results: list[CheckovResult]
    report: ScanReport
    real_stacks: frozenset[str]

    def case(self, violation: Violation) -> str:
        return f"case-{violation.case_id}"

    def planted_findings(self, violation: Violation, name: str) -> list:
        """The findings of the violation's check on the resource it was planted into."""
        return [
            f
            for f in self.report.findings
            if f.stack == self.case(violation)
            and f.check_id == violation.check_id
            and f.resource == f"{violation.resource_type}.{name}"
        ]


def source(synthesized: dict[str, Synthesized], violation: Violation) -> tuple[str, Body, Body]:
    """The real resource a violation mutates (made compliant first where needed), or a fixture, with a
    copy of the stack document that holds it (empty for a fixture)."""
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
    name, body, document = found[0]
    body = copy.deepcopy(body)
    if violation.resource_type in COMPLIANT_VARIANTS:
        COMPLIANT_VARIANTS[violation.resource_type](body)
    return name, body, copy.deepcopy(document)


def planted_document(synthesized: dict[str, Synthesized], violation: Violation) -> tuple[str, Body]:
    """The violation's resource name and the stack document it is planted into: the whole source stack
    for `in_stack` violations, else that one resource alone."""
    name, body, document = source(synthesized, violation)
    if violation.document:
        document.setdefault("resource", {}).setdefault(violation.resource_type, {})[name] = body
        violation.change(document)
        return name, document
    violation.change(body)
    if not violation.in_stack:
        return name, {"resource": {violation.resource_type: {name: body}}}
    document.setdefault("resource", {}).setdefault(violation.resource_type, {})[name] = body
    if violation.stack_change:
        violation.stack_change(document)
    return name, document


def write_stack(root: Path, stack: str, document: Body) -> Path:
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
        _, document = planted_document(synthesized, violation)
        files[f"case-{violation.case_id}"] = write_stack(root, f"case-{violation.case_id}", document)
    results = run_checkov(files)
    report = build_report(results, files, load_waivers(), source=str(root))
    real = frozenset(stack for synth in synthesized.values() for stack in synth.stacks)
    return PackScan(files, results, report, real)
