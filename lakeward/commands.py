"""The platform's commands: validate environment files, export a JSON Schema, synthesize, scan, and
export the workloads as an Asset Bundle.

Each returns an `Outcome`, so that a test calls it as the CLI does, without a process."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.table import Table

from lakeward.errors import LakewardError
from lakeward.files import write_atomic
from lakeward.output import Outcome, console, line
from lakeward.synth import SynthResult
from policies.contract import stack_path
from stacks.names import TENANT, parse_stack_id, tenant_stack_id


def validate_environments(files: list[Path]) -> Outcome:
    """Load each environment file, then check them together (account-level singletons); the first bad
    one raises."""
    from infra.config import check_shared_singletons, load_environment_file

    envs = [load_environment_file(path) for path in files]
    check_shared_singletons(envs, [str(path) for path in files])
    data = {"valid": [str(path) for path in files], "environments": [env.name for env in envs]}
    view = Group(
        *(
            line(f"[green]ok[/] {path} ({env.tier.value})", highlight=True)
            for path, env in zip(files, envs, strict=True)
        )
    )
    return Outcome(data, view)


def export_schema(schema: dict[str, Any], out: Path | None) -> Outcome:
    """A JSON Schema for editors: printed, or written to `out`."""
    text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    if out is None:
        return Outcome(schema, text)
    write_atomic(out, text)
    return Outcome(schema, "")


def environment_schema(out: Path | None) -> Outcome:
    """The environment files' JSON Schema."""
    from infra.config import environment_json_schema

    return export_schema(environment_json_schema(), out)


def synth(
    env: str,
    out: Path,
    backend: str | None = None,
    tenants_dir: Path | None = None,
    releases_dir: Path | None = None,
    use_cache: bool = True,
) -> Outcome:
    """Synthesize every stack of `env`, one per tenant, serving what the release file names (unchanged
    stacks from the build cache)."""
    from lakeward.synth import synthesize

    result = synthesize(
        env, out, backend=backend, tenants_dir=tenants_dir, releases_dir=releases_dir, use_cache=use_cache
    )
    return Outcome(result.as_dict(), synth_table(result))


# Beyond this many stacks the tenant stacks share one row of the human summary (`--json` lists each).
SUMMARY_STACKS = 20


def synth_table(result: SynthResult) -> Table:
    """Resources and data sources per stack (the tenant stacks on one row when there are many), with
    the total and the time taken."""
    table = Table(title=f"lakeward synth: {result.environment} -> {result.out}")
    table.add_column("stack")
    table.add_column("resources", justify="right")
    table.add_column("data sources", justify="right")
    table.add_column("file")
    many = len(result.stacks) > SUMMARY_STACKS
    tenants = [s for s in result.stacks if many and parse_stack_id(s.name).kind == TENANT]
    grouped = {s.name for s in tenants}
    for stack in result.stacks:
        if stack.name not in grouped:
            table.add_row(stack.name, str(stack.resources), str(stack.data_sources), str(stack.path))
        elif stack is tenants[0]:
            pattern = tenant_stack_id(result.environment, "*")
            table.add_row(
                f"{pattern} ({len(tenants)} stacks)",
                str(sum(s.resources for s in tenants)),
                str(sum(s.data_sources for s in tenants)),
                str(stack_path(result.out, pattern)),
            )
    table.add_row("[bold]total", f"[bold]{result.resources}", "", f"{result.seconds:.1f} s")
    return table


def scan(
    env: str | None,
    input_dir: Path | None,
    formats: str = "text",
    out: Path = Path("out/scan"),
    fail_on: str = "LOW",
    waivers: Path | None = None,
    live: bool = False,
    plans: list[Path] | None = None,
    tenants_dir: Path | None = None,
    use_cache: bool = True,
) -> Outcome:
    """Scan with checkov and the Lakeward pack, write the report files; exit 1 on unwaived failures."""
    from policies.base import Severity
    from policies.reports import parse_formats, summary, write_reports
    from policies.scan import run_scan
    from policies.waivers import WAIVERS_FILE

    if fail_on.upper() not in Severity.__members__:
        raise LakewardError(
            f"unknown severity '{fail_on}'", field="--fail-on", fix="use LOW, MEDIUM, HIGH or CRITICAL"
        )
    chosen = parse_formats(formats)
    with console.status("scanning with checkov") if live else nullcontext():
        report = run_scan(
            env,
            input_dir,
            Severity(fail_on.upper()),
            waivers or WAIVERS_FILE,
            plans=plans,
            tenants_dir=tenants_dir,
            use_cache=use_cache,
        )
    written = write_reports(report, chosen, out)
    view = Group(
        *([summary(report)] if "text" in chosen else []), *(line(f"wrote {path}") for path in written)
    )
    return Outcome({**report.as_dict(), "outputs": [str(path) for path in written]}, view, report.exit_code)


def bundle(env: str, out: Path) -> Outcome:
    """Write the workloads as a Databricks Asset Bundle: the wheel, the jobs, a target per environment."""
    from lakeward.bundle import write_bundle

    result = write_bundle(env, out)
    data = result.as_dict()
    view = Group(
        line(f"wrote {data['bundle']}: {len(result.jobs)} jobs, targets {', '.join(result.targets)}"),
        line(f"wheel {data['wheel']['file']} (sha256 {result.wheel.sha256[:12]})"),
        line(f"deploy: databricks bundle deploy -t {result.default_target} (from {out})"),
    )
    return Outcome(data, view)
