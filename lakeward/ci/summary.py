"""`lakeward ci summary`: one Markdown pull-request summary of the saved terraform plans (resources to add,
change and destroy per stack, in the deploy order of `stacks.stages`), the stacks whose plan failed or
waits for a deploy step, the policy scans and the tenants' blast radius. Exit 1 when a plan failed."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.files import write_atomic
from lakeward.output import Outcome
from stacks.names import parse_stack_id
from stacks.stages import STAGES, Stage, prerequisites
from stacks.stages import stage_of as deploy_stage_of

PLAN_SUFFIX = ".plan.json"
# What plan-stacks.sh keeps of a stack whose plan failed.
LOG_SUFFIX = ".plan.log"
# Deploy order of the stack kinds; a stack's kind is the part of its name after `lakeward-<env>-`.
ORDER = tuple(stage.stack_kind for stage in STAGES if stage.stack_kind)
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")


@dataclass
class StackChanges:
    """The resource changes of one saved plan, counted as `terraform plan` counts them (a replacement is
    one add and one destroy)."""

    stack: str
    add: list[str] = field(default_factory=list)
    change: list[str] = field(default_factory=list)
    destroy: list[str] = field(default_factory=list)
    replace: list[str] = field(default_factory=list)


def stage_of(stack: str) -> str:
    """The stack's kind (`metastore`, `foundation`, ... `tenant`) for a Lakeward stack name, else `other`."""
    try:
        return parse_stack_id(stack).kind
    except ValueError:
        return "other"


def _deploy_order(stack: str) -> tuple[int, str]:
    stage = stage_of(stack)
    return (ORDER.index(stage) if stage in ORDER else len(ORDER), stack)


@dataclass(frozen=True)
class UnplannedStack:
    """A stack whose plan stopped: `waits_for` names the deploy step it waits for and `run` its command
    as the plan said it, else it failed."""

    stack: str
    waits_for: str | None
    run: str | None
    errors: list[str]


def _step_pattern(command: str) -> re.Pattern[str]:
    """The error a plan-time postcondition raises when `command` has not run yet: terraform's summary
    "Resource postcondition failed" (hashicorp/terraform internal/terraform/eval_conditions.go), then the
    condition's message ending "does not exist: run `COMMAND`" (infra/workspace/tenant/abac.py)."""
    run = re.escape(command).replace("ENV", "[a-z0-9_-]+")
    return re.compile(rf"^Resource postcondition failed\b.* does not exist: run `(?P<run>{run})`")


def plan_errors(log: str) -> list[str]:
    """Each `Error:` of a terraform log, its box drawing and line wrapping undone."""
    text = " ".join(line.strip().lstrip("\u2502\u2577\u2575").strip() for line in log.splitlines())
    return [" ".join(error.split()) for error in re.split(r"\bError: ", " ".join(text.split()))[1:]]


def _steps_for(stack: str | None) -> list[Stage]:
    """The steps a stack's plan may wait for, in the order to match them: when the stack is known, the
    steps it needs, latest first (a command run by two steps, such as the bootstrap before and after
    the tenant stacks, is the later one the stack needs); else every step in deploy order."""
    steps = [stage for stage in STAGES if stage.run]
    try:
        needed = prerequisites(deploy_stage_of(stack).name) if stack else None
    except ValueError:  # not a stack of the deploy stages
        needed = None
    return steps if needed is None else [stage for stage in reversed(steps) if stage.name in needed]


def _waits_for(error: str, steps: list[Stage]) -> tuple[str, str] | None:
    """The step one error waits for and its command, if the error is a step's postcondition."""
    for stage in steps:
        found = _step_pattern(stage.run).search(error) if stage.run else None
        if found:
            return stage.name, found["run"]
    return None


def waits_for(errors: list[str], stack: str | None = None) -> tuple[str, str] | None:
    """The step every error of `stack`'s plan waits for and its command, or None when any error is
    something else (a real failure) or there is none."""
    candidates = _steps_for(stack)
    steps = {_waits_for(error, candidates) for error in errors}
    return steps.pop() if len(steps) == 1 and None not in steps else None


def unplanned_stack(path: Path) -> UnplannedStack:
    """What a `STACK.plan.log` of plan-stacks.sh says."""
    try:
        errors = plan_errors(path.read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        raise LakewardError(
            f"cannot read: {exc}", source=str(path), field="--plans", fix="plan the stack again"
        ) from None
    stack = path.name.removesuffix(LOG_SUFFIX)
    step, run = waits_for(errors, stack) or (None, None)
    return UnplannedStack(stack, step, run, errors)


def _read_json(path: Path, field_name: str, fix: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """A JSON object holding `keys`, or a clear error naming the option that passed it."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LakewardError(f"cannot read JSON: {exc}", source=str(path), field=field_name, fix=fix) from None
    missing = [key for key in keys if key not in document] if isinstance(document, dict) else list(keys)
    if missing:
        raise LakewardError(f"no {', '.join(missing)} in it", source=str(path), field=field_name, fix=fix)
    return document


def stack_changes(path: Path) -> StackChanges:
    """The changes in one `terraform show -json PLANFILE` document, named after its file."""
    fix = "write it with `terraform show -json STACK.tfplan > STACK.plan.json`"
    plan = _read_json(path, "--plans", fix, ("terraform_version", "planned_values"))
    changes = StackChanges(path.name.removesuffix(PLAN_SUFFIX))
    for resource in plan.get("resource_changes", []):
        actions, address = set(resource["change"]["actions"]), resource["address"]
        if actions == {"create", "delete"}:
            changes.replace.append(address)
        elif "create" in actions:
            changes.add.append(address)
        elif "update" in actions:
            changes.change.append(address)
        elif "delete" in actions:
            changes.destroy.append(address)
    return changes


def read_unplanned(folder: Path) -> list[UnplannedStack]:
    """Every `*.plan.log` under `folder`, in deploy order."""
    paths = sorted(folder.rglob(f"*{LOG_SUFFIX}")) if folder.is_dir() else []
    return sorted((unplanned_stack(path) for path in paths), key=lambda plan: _deploy_order(plan.stack))


def read_plans(folder: Path) -> list[StackChanges]:
    """Every `*.plan.json` under `folder`, in deploy order."""
    paths = sorted(folder.rglob(f"*{PLAN_SUFFIX}")) if folder.is_dir() else []
    if not paths and not (folder.is_dir() and any(folder.rglob(f"*{LOG_SUFFIX}"))):
        raise LakewardError(
            f"no *{PLAN_SUFFIX} files under this folder",
            source=str(folder),
            field="--plans",
            fix="pass the folder where the pipeline wrote `terraform show -json` of each stack's plan",
        )
    return sorted((stack_changes(path) for path in paths), key=lambda plan: _deploy_order(plan.stack))


def _plans_section(plans: list[StackChanges]) -> list[str]:
    lines = ["| stack | to add | to change | to destroy |", "| --- | ---: | ---: | ---: |"]
    totals = Counter[str]()
    for plan in plans:
        counts = {
            "add": len(plan.add) + len(plan.replace),
            "change": len(plan.change),
            "destroy": len(plan.destroy) + len(plan.replace),
        }
        totals.update(counts)
        lines.append(f"| `{plan.stack}` | {counts['add']} | {counts['change']} | {counts['destroy']} |")
    lines.append(f"| **total** | **{totals['add']}** | **{totals['change']}** | **{totals['destroy']}** |")
    doomed = [
        f"- `{plan.stack}`: `{address}` ({verb})"
        for plan in plans
        for verb, addresses in (("destroyed", plan.destroy), ("replaced", plan.replace))
        for address in addresses
    ]
    lines += ["", "### Destroyed or replaced", "", *(doomed or ["None."])]
    details = [
        f"- `{plan.stack}`: {verb} `{address}`"
        for plan in plans
        for verb, addresses in (("add", plan.add), ("change", plan.change))
        for address in addresses
    ]
    if details:
        lines += ["", "<details><summary>Added and changed</summary>", "", *details, "", "</details>"]
    return lines


def _cell(text: str) -> str:
    """An error's start, safe inside a Markdown table cell's code span."""
    return text[:300].replace("`", "'").replace("|", "\\|")


def _unplanned_section(unplanned: list[UnplannedStack]) -> list[str]:
    lines = ["| stack | plan |", "| --- | --- |"]
    for plan in unplanned:
        if plan.waits_for:
            state = f"waits for `{plan.waits_for}` (`{plan.run}` runs in the deploy, then plan again)"
        else:
            errors = "; ".join(f"`{_cell(error)}`" for error in plan.errors)
            state = f"**failed**: {errors or 'see its log'}"
        lines.append(f"| `{plan.stack}` | {state} |")
    return lines


def _findings_section(scans: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| scan | " + " | ".join(SEVERITIES) + " | waived | undecided | blocking |",
        "| --- |" + " ---: |" * (len(SEVERITIES) + 3),
    ]
    failed: list[dict[str, Any]] = []
    for scan in scans:
        findings = scan.get("findings", [])
        by_severity = Counter(f["severity"] for f in findings if f["status"] == "failed")
        waived = sum(1 for f in findings if f["status"] == "waived")
        undecided = len(scan.get("undecided", []))
        cells = " | ".join(str(by_severity[severity]) for severity in SEVERITIES)
        lines.append(
            f"| `{scan.get('source', '?')}` | {cells} | {waived} | {undecided} | {scan.get('blocking', 0)} |"
        )
        failed += [f for f in findings if f["status"] == "failed"]
    if failed:
        lines += ["", "| check | severity | stack | resource |", "| --- | --- | --- | --- |"]
        failed.sort(key=lambda f: (SEVERITIES.index(f["severity"]), f["check_id"], f["resource"]))
        lines += [
            f"| {f['check_id']} | {f['severity']} | `{f.get('stack') or '-'}` | `{f['resource']}` |"
            for f in failed
        ]
    return lines


def _tenants_section(tenant_plans: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| tenant | environment | stack | resources | securables | principals | risks |",
        "| --- | --- | --- | ---: | --- | --- | --- |",
    ]
    for plan in tenant_plans:
        grants: dict[str, dict[str, list[str]]] = plan.get("grants", {})
        principals = sorted({principal for granted in grants.values() for principal in granted})
        cells = [
            f"`{plan['tenant']}`",
            plan["environment"],
            f"`{plan['stack']}`",
            str(len(plan.get("resources", []))),
            ", ".join(f"`{securable}`" for securable in grants) or "-",
            ", ".join(principals) or "-",
            "; ".join(plan.get("risks", [])) or "none",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_summary(
    plans: list[StackChanges],
    scans: list[dict[str, Any]],
    tenant_plans: list[dict[str, Any]],
    unplanned: list[UnplannedStack] | None = None,
) -> str:
    """The Markdown a pipeline posts on the pull request."""
    lines = ["## Lakeward plan", "", *_plans_section(plans)]
    if unplanned:
        lines += ["", "### Not planned", "", *_unplanned_section(unplanned)]
    if scans:
        lines += [
            "",
            "### Policy findings (unwaived failures by severity; undecided: neither passed nor failed)",
            "",
            *_findings_section(scans),
        ]
    if tenant_plans:
        lines += ["", "### Tenant blast radius", "", *_tenants_section(tenant_plans)]
    return "\n".join(lines) + "\n"


def summarize(
    plans_dir: Path, scan_files: list[Path], tenant_plan_files: list[Path]
) -> tuple[str, list[UnplannedStack]]:
    """Read the plans, `lakeward scan --format json` results and `lakeward tenant plan --json` outputs;
    the Markdown and the stacks that were not planned."""
    scans = [
        _read_json(path, "--scan", "pass the results.json of `lakeward scan --format json`", ("findings",))
        for path in scan_files
    ]
    tenants = [
        _read_json(
            path,
            "--tenant-plan",
            "pass the output of `lakeward tenant plan NAME --json`",
            ("tenant", "environment", "stack"),
        )
        for path in tenant_plan_files
    ]
    unplanned = read_unplanned(plans_dir)
    return render_summary(read_plans(plans_dir), scans, tenants, unplanned), unplanned


def summary(plans: Path, scans: list[Path], tenant_plans: list[Path], out: Path | None) -> Outcome:
    """The summary printed, or written to `out` (atomically); exit 1 when a stack's plan failed (a plan
    that waits for a deploy step is no failure)."""
    text, unplanned = summarize(plans, scans, tenant_plans)
    data: dict[str, Any] = {
        "markdown": text,
        "waiting": {plan.stack: plan.waits_for for plan in unplanned if plan.waits_for},
        "failed": [plan.stack for plan in unplanned if not plan.waits_for],
    }
    exit_code = 1 if data["failed"] else 0
    if out is None:
        return Outcome(data, text, exit_code)
    write_atomic(out, text)
    return Outcome({**data, "out": str(out)}, "", exit_code)
