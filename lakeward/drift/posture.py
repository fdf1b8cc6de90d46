"""The live objects judged by the same scan as the code, so a finding carries the same check ID, controls
and waivers in CI and in production.

Like `policies/plan.py` does for a plan, the live objects become stack documents in the contract's
layout: a matched object under its code's stack and resource name (stack `live-<stack>`), an added or
unmanaged one under the stack `live-unmanaged`. IDs the workspace assigned are written back as the
references the code uses (a policy pinned to the GPU pool names the pool, not its ID), so checks that
follow references inside a stack (a pool's tags inherited by its policy) decide as they do on code. The
code stacks are scanned in the same run: a check that fails live but passes on the code is one the
console edit broke, the check that would have caught it in CI.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakeward.drift.compare import Matching
from lakeward.drift.keys import ID_ATTRIBUTE, live_name
from policies import contract
from policies.scan import Finding, scan_stacks
from policies.waivers import Waiver

LIVE = "live-"
UNMANAGED = f"{LIVE}unmanaged"
# Apply-time checks judge how the code will apply (ordering, plan-time reads), not an object that
# exists: they say nothing about a live workspace.
APPLY_TIME = "LKW_DEPLOY_"


@dataclass(frozen=True)
class Posture:
    """Findings on the live objects, with the same check's verdict on the code beside each."""

    findings: list[Finding]
    in_code: dict[tuple[str, str, str], str]  # (stack, resource, check) -> passed/failed/waived
    passed: int

    def code_status(self, finding: Finding) -> str | None:
        return self.in_code.get((live_stack(finding.stack), finding.resource, finding.check_id))

    def new_failures(self, stack: str, resource: str) -> tuple[str, ...]:
        """Checks that fail on the live object but not on its code."""
        return tuple(
            sorted(
                {
                    f.check_id
                    for f in self.findings
                    if (live_stack(f.stack), f.resource) == (stack, resource)
                    and f.status != "passed"
                    and self.code_status(f) in (None, "passed")
                }
            )
        )


def live_stack(stack: str) -> str:
    """The code stack a live stack document stands for (`live-unmanaged` stands for none)."""
    return "" if stack == UNMANAGED else stack.removeprefix(LIVE)


def live_documents(matching: Matching) -> dict[str, dict[str, Any]]:
    """`{stack: document}` of the live objects, IDs written back as the code's references."""
    documents: dict[str, dict[str, Any]] = {}
    references: dict[str, dict[str, str]] = {}
    for pair in matching.pairs:
        attribute = ID_ATTRIBUTE.get(pair.code.type)
        value = pair.live.attributes.get(attribute or "")
        if attribute and isinstance(value, str | int) and value != "":
            references.setdefault(pair.code.stack, {})[str(value)] = (
                f"${{{pair.code.type}.{pair.code.name}.{attribute}}}"
            )
    for pair in matching.pairs:
        attributes = _referenced(pair.live.attributes, references.get(pair.code.stack, {}))
        _put(documents, f"{LIVE}{pair.code.stack}", pair.code.type, pair.code.name, attributes)
    for obj in [*matching.added, *matching.unmanaged]:
        _put(documents, UNMANAGED, obj.type, live_name(obj.key), obj.attributes)
    return documents


def _put(documents: dict[str, dict[str, Any]], stack: str, type_: str, name: str, attributes: Any) -> None:
    body = dict(attributes)
    if type_ == "databricks_cluster_policy" and isinstance(body.get("definition"), dict):
        body["definition"] = json.dumps(body["definition"], sort_keys=True)
    documents.setdefault(stack, {"resource": {}})["resource"].setdefault(type_, {})[name] = body


def _referenced(value: Any, references: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _referenced(item, references) for key, item in value.items()}
    if isinstance(value, list):
        return [_referenced(item, references) for item in value]
    if isinstance(value, str) and value in references:
        return references[value]
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)  # a policy definition: pinned IDs live inside its JSON
        except ValueError:
            return value
        return json.dumps(_referenced(parsed, references), sort_keys=True)
    return value


def judge(matching: Matching, code_files: dict[str, Path], waivers: list[Waiver]) -> Posture:
    """Scan the live documents and the code stacks they stand for in one checkov run."""
    documents = live_documents(matching)
    stacks = {live_stack(stack) for stack in documents} - {""}
    with tempfile.TemporaryDirectory(prefix="lakeward-drift-scan-") as tmp:
        files = {stack: code_files[stack] for stack in sorted(stacks) if stack in code_files}
        for stack, document in documents.items():
            path = contract.stack_path(Path(tmp), stack)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=2, sort_keys=True), encoding="utf-8")
            files[stack] = path
        if not documents:
            return Posture([], {}, 0)
        # A waiver names code stacks; it covers the same resource's live document too.
        live_waivers = [w.model_copy(update={"stack": f"{LIVE}{w.stack}"}) for w in waivers]
        report = scan_stacks(files, [*waivers, *live_waivers], source="live")
    live = [f for f in report.findings if f.stack.startswith(LIVE) and not f.check_id.startswith(APPLY_TIME)]
    in_code = {
        (f.stack, f.resource, f.check_id): f.status for f in report.findings if not f.stack.startswith(LIVE)
    }
    return Posture(_worst_first(live), in_code, sum(f.status == "passed" for f in live))


def _worst_first(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.stack, f.resource, f.check_id))
