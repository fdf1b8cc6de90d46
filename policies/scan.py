"""`lakeward scan`: checkov with the built-in AWS checks and the Lakeward pack, waivers, a verdict.

It judges synthesized stacks, saved plans, or a folder of hand-written HCL; on HCL a Lakeward check that
cannot decide (its verdict rests on a value the HCL leaves open) is reported as undecided, apart from
the findings: it neither passes nor blocks.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError

from . import contract
from .base import Severity
from .checkov_runner import (
    CheckovResult,
    UndecidedResult,
    WarmCheckov,
    run_checkov,
    run_checkov_hcl,
    warm_checkov,
)
from .plan import PlanError, write_plan_stacks
from .registry import all_policies, by_id
from .scan_cache import ResultCache, by_stack
from .waivers import WAIVERS_FILE, Waiver, load_waivers

BUILTIN_SEVERITY = (
    Severity.HIGH
)  # checkov reports no severity offline: accepting a built-in finding takes a waiver


@dataclass(frozen=True)
class Finding:
    """One check on one resource, after waivers: status is passed, failed or waived (or undecided, for a
    Lakeward check that could not decide from HCL)."""

    check_id: str
    name: str
    resource: str
    stack: str
    severity: Severity
    status: str
    controls: list[str]
    details: list[str]
    file: str
    line: int
    waiver: Waiver | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "check_id": self.check_id,
            "name": self.name,
            "resource": self.resource,
            "stack": self.stack,
            "severity": self.severity.value,
            "status": self.status,
            "controls": self.controls,
            "details": self.details,
            "file": self.file,
            "line": self.line,
        }
        if self.waiver is not None:
            data["waiver"] = self.waiver.model_dump(mode="json")
        return data


@dataclass
class ScanReport:
    findings: list[Finding]
    fail_on: Severity
    source: str
    seconds: float
    unused_waivers: list[Waiver] = field(default_factory=list)
    undecided: list[Finding] = field(default_factory=list)

    def with_status(self, status: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.status == status]

    @property
    def blocking(self) -> list[Finding]:
        """Unwaived failures at or above the threshold: these fail the scan."""
        return [f for f in self.with_status("failed") if f.severity.rank >= self.fail_on.rank]

    @property
    def exit_code(self) -> int:
        return 1 if self.blocking else 0

    def as_dict(self) -> dict[str, Any]:
        """The report for machines; `undecided` appears only where a check could not decide (HCL)."""
        data = {
            "source": self.source,
            "fail_on": self.fail_on.value,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "passed": len(self.with_status("passed")),
            "failed": len(self.with_status("failed")),
            "waived": len(self.with_status("waived")),
            "blocking": len(self.blocking),
            "findings": [finding.as_dict() for finding in self.findings],
            "checks": [policy.metadata() for policy in all_policies()],
            "unused_waivers": [waiver.model_dump(mode="json") for waiver in self.unused_waivers],
        }
        if self.undecided:
            data["undecided"] = [finding.as_dict() for finding in self.undecided]
        return data


def stack_files(input_dir: Path) -> dict[str, Path]:
    """`{stack: path}` of a synth output folder; a clear error when the folder is not synth output."""
    files = contract.stack_paths(input_dir)
    if not files:
        raise LakewardError(
            f"no {contract.STACK_GLOB} and no .tf file in this folder",
            source=str(input_dir),
            field="--input",
            fix="pass a folder written by `lakeward synth --out DIR` or a folder of .tf files, or use --env",
        )
    for path in files.values():
        try:
            contract.read_document(path)
        except ValueError as exc:
            raise LakewardError(
                f"not valid JSON: {exc}", source=str(path), fix="synthesize it again"
            ) from None
    return files


def scan_stacks(
    files: dict[str, Path],
    waivers: list[Waiver],
    fail_on: Severity = Severity.LOW,
    source: str = "",
    warm: WarmCheckov | None = None,
    use_cache: bool = True,
) -> ScanReport:
    """Run checkov once over the stacks whose results are not in the build cache (all of them with
    `use_cache=False`), then judge every stack's results."""
    started = time.perf_counter()
    cache = ResultCache(enabled=use_cache)
    keys = {stack: cache.key(stack, path) for stack, path in files.items()}
    stored = {stack: cache.get(key) for stack, key in keys.items()}
    results = {stack: found for stack, found in stored.items() if found is not None}
    changed = {stack: path for stack, path in files.items() if stack not in results}
    if changed:
        fresh = by_stack(run_checkov(changed, warm=warm, use_worker=use_cache), list(changed))
        for stack, found in fresh.items():
            cache.put(keys[stack], found)
        results.update(fresh)
    ordered = [result for stack in sorted(results) for result in results[stack]]
    return build_report(ordered, files, waivers, fail_on, source, time.perf_counter() - started)


def is_hcl_folder(input_dir: Path) -> bool:
    """A folder of hand-written Terraform: `.tf` files and no synthesized stacks."""
    return not contract.stack_paths(input_dir) and any(input_dir.glob("*.tf"))


def scan_hcl(
    folder: Path, waivers: list[Waiver], fail_on: Severity = Severity.LOW, source: str = ""
) -> ScanReport:
    """Run checkov over a folder of `.tf` files; the folder is the stack findings and waivers name, and
    files are named as the folder was given (`infra/main.tf`), with the line checkov reports."""
    started = time.perf_counter()
    results, undecided = run_checkov_hcl(folder)
    return build_hcl_report(
        results, undecided, folder, waivers, fail_on, source, time.perf_counter() - started
    )


def build_hcl_report(
    results: list[CheckovResult],
    undecided: list[UndecidedResult],
    folder: Path,
    waivers: list[Waiver],
    fail_on: Severity = Severity.LOW,
    source: str = "",
    seconds: float = 0.0,
) -> ScanReport:
    """Findings of an HCL scan, waivers applied; the undecided checks apart."""
    stack = folder.resolve().name
    policies = by_id()
    used: set[int] = set()
    findings = [
        _finding(
            result,
            result.resource,
            stack,
            (folder / result.file).as_posix(),
            result.line,
            policies,
            waivers,
            used,
        )
        for result in results
    ]
    findings.sort(key=lambda f: (f.stack, f.resource, f.check_id))
    unused = [waiver for index, waiver in enumerate(waivers) if index not in used]
    report = ScanReport(findings, fail_on, source, seconds, unused)
    for item in sorted(undecided, key=lambda u: (u.resource, u.check_id)):
        policy = policies[item.check_id]
        report.undecided.append(
            Finding(
                check_id=item.check_id,
                name=policy.name,
                resource=item.resource,
                stack=stack,
                severity=policy.severity,
                status="undecided",
                controls=policy.controls(),
                details=[f"cannot decide from the HCL: the verdict rests on {', '.join(item.open)}"],
                file=(folder / item.file).as_posix(),
                line=item.line,
            )
        )
    return report


def build_report(
    results: list[CheckovResult],
    files: dict[str, Path],
    waivers: list[Waiver],
    fail_on: Severity = Severity.LOW,
    source: str = "",
    seconds: float = 0.0,
) -> ScanReport:
    """Normalise checkov's results to `type.name` findings with severity and controls, and apply waivers."""
    locations = {stack: _Locations(path) for stack, path in files.items()}
    policies = by_id()
    used: set[int] = set()
    findings = []
    stacks: dict[str, str] = {}  # checkov's file name -> stack
    for result in results:
        if result.file not in stacks:
            stacks[result.file] = contract.stack_name(Path(result.file))
        stack = stacks[result.file]
        where = locations[stack]
        resource = where.address(result.resource, policies.get(result.check_id))
        line = where.line(resource) or result.line
        findings.append(
            _finding(result, resource, stack, contract.stack_file(stack), line, policies, waivers, used)
        )
    findings.sort(key=lambda f: (f.stack, f.resource, f.check_id))
    unused = [waiver for index, waiver in enumerate(waivers) if index not in used]
    return ScanReport(findings, fail_on, source, seconds, unused)


def run_scan(
    env: str | None = None,
    input_dir: Path | None = None,
    fail_on: Severity = Severity.LOW,
    waivers_file: Path = WAIVERS_FILE,
    today: dt.date | None = None,
    warm: WarmCheckov | None = None,
    plans: list[Path] | None = None,
    tenants_dir: Path | None = None,
    use_cache: bool = True,
) -> ScanReport:
    """Scan `input_dir` (a synth output or a folder of `.tf` files), the saved plans `plans` (`terraform
    show -json` output: what will change), or synthesize `env` (with the specs of `tenants_dir`) into a
    temporary folder and scan that (checkov starts while the stacks that changed synthesize). Results of
    unchanged stack files come from the build cache unless `use_cache` is False."""
    if sum(x is not None and x != [] for x in (env, input_dir, plans)) != 1:
        raise LakewardError(
            "pass exactly one of --env, --input and --plan",
            field="--env/--input/--plan",
            fix="e.g. --env dev",
        )
    if tenants_dir is not None and env is None:
        raise LakewardError(
            "tenant specs are read only when synthesizing",
            field="--tenants-dir",
            fix="pass --tenants-dir together with --env",
        )
    waivers = load_waivers(waivers_file, today)
    if input_dir is not None and is_hcl_folder(input_dir):
        return scan_hcl(input_dir, waivers, fail_on, f"hcl:{input_dir}")
    if input_dir is not None:
        return scan_stacks(stack_files(input_dir), waivers, fail_on, str(input_dir), warm, use_cache)
    if plans:
        with tempfile.TemporaryDirectory(prefix="lakeward-scan-plan-") as tmp:
            try:
                write_plan_stacks(plans, Path(tmp))
            except PlanError as exc:
                raise LakewardError(
                    str(exc), field="--plan", fix="pass `terraform show -json PLANFILE > plan.json` output"
                ) from None
            source = "plan:" + ",".join(path.name for path in plans)
            return scan_stacks(stack_files(Path(tmp)), waivers, fail_on, source, warm, use_cache)
    from lakeward.synth import synthesize

    with (
        tempfile.TemporaryDirectory(prefix="lakeward-scan-synth-") as tmp,
        warm_checkov(lazy=True, use_worker=use_cache) as ahead,
    ):
        target = Path(tmp) / "out"
        out = synthesize(
            str(env), target, tenants_dir=tenants_dir, use_cache=use_cache, on_build=ahead.start
        ).out
        return scan_stacks(stack_files(out), waivers, fail_on, f"env:{env}", ahead, use_cache)


def _finding(
    result: CheckovResult,
    resource: str,
    stack: str,
    file: str,
    line: int,
    policies: dict[str, Any],
    waivers: list[Waiver],
    used: set[int],
) -> Finding:
    policy = policies.get(result.check_id)
    status, waiver = ("passed", None) if result.passed else ("failed", None)
    if not result.passed:
        for index, candidate in enumerate(waivers):
            if candidate.matches(result.check_id, resource, stack):
                status, waiver = "waived", candidate
                used.add(index)
                break
    severity = policy.severity if policy else _builtin_severity(result.severity)
    return Finding(
        check_id=result.check_id,
        name=policy.name if policy else result.check_name,
        resource=resource,
        stack=stack,
        severity=severity,
        status=status,
        controls=policy.controls() if policy else [],
        details=result.details,
        file=file,
        line=line,
        waiver=waiver,
    )


def _builtin_severity(value: str | None) -> Severity:
    try:
        return Severity(str(value).upper())
    except ValueError:
        return BUILTIN_SEVERITY


class _Locations:
    """Resource names and line numbers of one original stack file."""

    def __init__(self, path: Path):
        self.types_by_name: dict[str, list[str]] = defaultdict(list)
        for resource_type, name, _ in contract.resources(contract.read_document(path)):
            self.types_by_name[name].append(resource_type)
        self.lines = contract.key_lines(path)

    def address(self, reported: str, policy: Any) -> str:
        """checkov names some resources `resource.<name>`: restore `type.name` from the stack itself."""
        prefix, _, name = reported.partition(".")
        if prefix != "resource":
            return reported
        types = self.types_by_name.get(name, [])
        if policy is not None and len(types) > 1:
            types = [t for t in types if policy.covers(t)] or types
        return f"{types[0]}.{name}" if len(types) == 1 else reported

    def line(self, address: str) -> int | None:
        return self.lines.get(address.partition(".")[2])
