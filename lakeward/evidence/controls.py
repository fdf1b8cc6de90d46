"""Control evaluation: each control's status from the checks, tests and evidence items that support it.

Statuses, worst first: fail, stale, not evaluated, manual, waived, pass. A control passes only when
every support was evaluated and passed; with no evaluated support it is `manual` (when it names a
manual procedure) or `not evaluated`, never `pass`. A control's checks are the checks that declare it
in their own metadata (`soc2`, `iso27001`, `hipaa` in `policies/checks`); `policies/controls.yaml`
(shipped in the package as `lakeward/policies/controls.yaml`) gives each control its title and lists
only what no check can declare: tests, evidence items and the manual part.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from lakeward.errors import LakewardError
from lakeward.evidence.items import FAILED, NOT_EVALUATED, STALE, Item
from lakeward.locate import package_file
from policies.base import Check
from policies.registry import all_policies

CONTROLS_FILE = package_file("policies", "controls.yaml")
STATUSES = ("fail", "stale", "not evaluated", "manual", "waived", "pass")
FRAMEWORKS = {"SOC2": "SOC 2", "ISO27001": "ISO/IEC 27001:2022", "HIPAA": "HIPAA Security Rule", "SAT": "SAT"}


@dataclass
class Support:
    type: str  # check, test or evidence
    ref: str
    rationale: str
    status: str = "not evaluated"
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "type": self.type,
            "ref": self.ref,
            "rationale": self.rationale,
            "status": self.status,
            "detail": self.detail,
        }


@dataclass
class Control:
    id: str
    title: str
    supports: list[Support] = field(default_factory=list)
    manual: str = ""
    rationale: str = ""  # why the supports add up to the control
    status: str = "not evaluated"
    detail: str = ""

    @property
    def framework(self) -> str:
        return FRAMEWORKS.get(self.id.partition(":")[0], self.id.partition(":")[0])

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "framework": self.framework,
            "title": self.title,
            "rationale": self.rationale,
            "status": self.status,
            "detail": self.detail,
            "manual": self.manual,
            "supports": [support.as_dict() for support in self.supports],
        }


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LakewardError(
            f"not valid YAML: {exc}", source=str(path), fix="correct the YAML syntax"
        ) from None


def _refs(entries: Any, key: str, source: str, where: str) -> list[tuple[str, str]]:
    refs = []
    for index, entry in enumerate(entries or []):
        if isinstance(entry, str):
            refs.append((entry, ""))
        elif isinstance(entry, dict) and key in entry:
            refs.append((str(entry[key]), " ".join(str(entry.get("rationale", "")).split())))
        else:
            raise LakewardError(
                f"entry {index} has no `{key}`",
                source=source,
                field=where,
                fix=f"write `- {key}: ...` and `rationale:`",
            )
    return refs


def declared_checks(checks: Iterable[Check]) -> dict[str, list[Check]]:
    """`{control: checks}` from each check's declared controls, in the order given (the pack's: by ID)."""
    by_control: dict[str, list[Check]] = defaultdict(list)
    for check in checks:
        for control in check.controls():
            by_control[control].append(check)
    return by_control


def load_controls(path: Path = CONTROLS_FILE, checks: Iterable[Check] | None = None) -> list[Control]:
    """The control mapping: per control the checks that declare it (`checks`, by default the pack's;
    rationale from each check's metadata), its tests and evidence items (rationale from the mapping)
    and what stays manual."""
    declared = declared_checks(all_policies() if checks is None else checks)
    source = str(path)
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("controls"), list):
        raise LakewardError("expected a `controls` list", source=source, fix="start with `controls:`")
    controls: dict[str, Control] = {}
    for index, raw in enumerate(data["controls"]):
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("title"):
            raise LakewardError(
                "a control needs id and title",
                source=source,
                field=f"controls[{index}]",
                fix="add `id: SOC2:CC6.1` and `title:`",
            )
        if raw["id"] in controls:
            raise LakewardError(
                f"control {raw['id']} is listed twice",
                source=source,
                field=f"controls[{index}]",
                fix="merge the two entries",
            )
        control = Control(
            str(raw["id"]),
            str(raw["title"]),
            manual=str(raw.get("manual", "")),
            rationale=" ".join(str(raw.get("rationale", "")).split()),
        )
        if "checks" in raw:
            raise LakewardError(
                "a control's checks are the checks that declare it in their metadata",
                source=source,
                field=f"controls[{index}].checks",
                fix="remove `checks:`; name the control in the check's soc2, iso27001 or hipaa attribute",
            )
        control.supports += [
            Support("check", check.id, f"{check.name}: {check.rationale}") for check in declared[control.id]
        ]
        for kind, key, entries in (("test", "id", "tests"), ("evidence", "item", "evidence")):
            for ref, rationale in _refs(raw.get(entries), key, source, f"controls[{index}].{entries}"):
                if not rationale:
                    raise LakewardError(
                        "every test and evidence item needs a one-line rationale",
                        source=source,
                        field=f"controls[{index}].{entries}.{ref}",
                        fix="add `rationale: ...`",
                    )
                control.supports.append(Support(kind, ref, rationale))
        controls[control.id] = control
    return list(controls.values())


def _check_status(findings: list[dict[str, Any]], today: dt.date) -> tuple[str, str]:
    if not findings:
        return "not evaluated", "the check produced no result in the scan"
    failed = [f for f in findings if f["status"] == "failed"]
    expired = [
        f
        for f in findings
        if f["status"] == "waived"
        and (f.get("waiver") or {}).get("expires") not in (None, "None")
        and dt.date.fromisoformat(f["waiver"]["expires"]) < today
    ]
    waived = [f for f in findings if f["status"] == "waived"]
    if failed or expired:
        where = ", ".join(sorted({f["resource"] for f in failed + expired}))[:200]
        return "fail", f"{len(failed)} failed, {len(expired)} waived by an expired waiver: {where}"
    if waived:
        return "waived", f"{len(waived)} waived of {len(findings)}"
    return "pass", f"{len(findings)} passed"


def matches_case(case_id: str, pattern: str) -> bool:
    """Whether a JUnit case id (`classname::name`) matches a mapped pattern; a pattern without
    parameters also matches the parametrized cases (`name[dev]`, `name[prod-root-bucket]`)."""
    return fnmatchcase(case_id, pattern) or fnmatchcase(case_id.partition("[")[0], pattern)


def _test_status(pattern: str, cases: list[dict[str, str]], stale: bool) -> tuple[str, str]:
    matched = [c for c in cases if matches_case(c["id"], pattern)]
    ran = [c for c in matched if c["outcome"] != "skipped"]
    if not ran:
        return "not evaluated", "no matching test case ran"
    bad = [c["id"] for c in ran if c["outcome"] in ("failed", "error")]
    if bad:
        return "fail", f"failed: {', '.join(bad)[:200]}"
    if stale:
        return "stale", "the test results are past their expiry"
    return "pass", f"{len(ran)} passed"


def _evidence_status(ref: str, items: list[Item]) -> tuple[str, str]:
    found = [item for item in items if ref in (item.id, item.kind)]
    evaluated = [item for item in found if item.status != NOT_EVALUATED]
    if not evaluated:
        return "not evaluated", (found[0].note if found else "no such evidence item")
    for status, label in ((FAILED, "fail"), (STALE, "stale")):
        hit = [item.id for item in evaluated if item.status == status]
        if hit:
            return label, f"{', '.join(hit)}: {evaluated[0].note or status}"
    return "pass", f"collected {', '.join(item.id for item in evaluated)}"


def evaluate(controls: list[Control], items: list[Item], now: dt.datetime) -> list[Control]:
    """Set every support's and every control's status from the collected items."""
    findings = _findings(items)
    cases, stale_tests = _cases(items)
    for control in controls:
        for support in control.supports:
            if support.type == "check":
                relevant = [f for f in findings if f["check_id"] == support.ref]
                support.status, support.detail = _check_status(relevant, now.date())
            elif support.type == "test":
                support.status, support.detail = _test_status(support.ref, cases, stale_tests)
            else:
                support.status, support.detail = _evidence_status(support.ref, items)
        control.status, control.detail = _combine(control)
    return controls


def _combine(control: Control) -> tuple[str, str]:
    statuses = [s.status for s in control.supports]
    evaluated = sum(s != "not evaluated" for s in statuses)
    detail = f"{evaluated} of {len(statuses)} supports evaluated"
    for status in ("fail", "stale"):
        if status in statuses:
            return status, detail
    if not evaluated:
        return ("manual" if control.manual else "not evaluated"), detail
    if "not evaluated" in statuses:
        return "not evaluated", detail
    if control.manual:
        return "manual", detail + "; automated supports pass, the manual part awaits review"
    return ("waived" if "waived" in statuses else "pass"), detail


def _findings(items: list[Item]) -> list[dict[str, Any]]:
    scan = next((item for item in items if item.kind == "scan" and item.status != NOT_EVALUATED), None)
    return json.loads(scan.files["scan/findings.json"]) if scan is not None else []


def _cases(items: list[Item]) -> tuple[list[dict[str, str]], bool]:
    cases: list[dict[str, str]] = []
    stale = False
    for item in items:
        if item.kind in ("tests", "security-tests") and item.status != NOT_EVALUATED:
            stale = stale or item.status == STALE
            for name, content in item.files.items():
                if name.endswith(".cases.json"):
                    cases.extend(json.loads(content))
    return cases, stale


def status_counts(controls: list[Control]) -> dict[str, int]:
    return {status: sum(c.status == status for c in controls) for status in STATUSES}
