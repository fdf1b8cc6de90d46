"""The `lakeward` command line. It only wires: each command's logic is a function in its module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from lakeward.errors import LakewardError
from lakeward.output import console, errors, print_json

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, help=__doc__)
config_app = typer.Typer(no_args_is_help=True, help="Validate environment files and export their schema.")
app.add_typer(config_app, name="config")
tenant_app = typer.Typer(no_args_is_help=True, help="Onboard, review and offboard tenants.")
app.add_typer(tenant_app, name="tenant")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]
TenantsDir = Annotated[
    Path | None,
    typer.Option("--tenants-dir", help="Folder of tenant specs [default: the repository's tenants/]."),
]


@config_app.command("validate")
def config_validate(
    files: Annotated[list[Path], typer.Argument(help="Environment YAML files.")], json_out: JsonFlag = False
) -> None:
    """Validate environment files; exit 2 on the first bad one."""
    from lakeward.infra.config import load_environment_file

    envs = [load_environment_file(path) for path in files]
    if json_out:
        print_json({"valid": [str(path) for path in files], "environments": [env.name for env in envs]})
    else:
        for path, env in zip(files, envs, strict=True):
            console.print(f"[green]ok[/] {path} ({env.tier.value})")


@config_app.command("schema")
def config_schema(
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print or write the environment JSON Schema for editors."""
    from lakeward.infra.config import environment_json_schema

    text = json.dumps(environment_json_schema(), indent=2, sort_keys=True) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        from lakeward.files import write_atomic

        write_atomic(out, text)


@app.command()
def synth(
    env: Annotated[str, typer.Option("--env", help="Environment name under environments/.")] = "dev",
    out: Annotated[
        Path, typer.Option("--out", help="Output folder (DIR/stacks/<stack>/cdk.tf.json).")
    ] = Path("cdktf.out"),
    backend: Annotated[str | None, typer.Option(help="Override the state backend: s3 or local.")] = None,
    tenants_dir: TenantsDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Synthesize every stack of an environment, one per tenant, to Terraform JSON."""
    from lakeward.synth import synthesize

    result = synthesize(env, out, backend=backend, tenants_dir=tenants_dir)
    if json_out:
        print_json(result.as_dict())
        return
    from rich.table import Table

    table = Table(title=f"lakeward synth: {result.environment} -> {result.out}")
    table.add_column("stack")
    table.add_column("resources", justify="right")
    table.add_column("data sources", justify="right")
    table.add_column("file")
    for stack in result.stacks:
        table.add_row(stack.name, str(stack.resources), str(stack.data_sources), str(stack.path))
    table.add_row("[bold]total", f"[bold]{result.resources}", "", f"{result.seconds:.1f} s")
    console.print(table)


@app.command()
def scan(
    env: Annotated[str | None, typer.Option("--env", help="Synthesize this environment and scan it.")] = None,
    input_dir: Annotated[
        Path | None, typer.Option("--input", help="Scan a synth output folder (DIR/stacks/*/cdk.tf.json).")
    ] = None,
    formats: Annotated[
        str, typer.Option("--format", help="Comma list of text,sarif,junitxml,json.")
    ] = "text",
    out: Annotated[Path, typer.Option("--out", help="Folder for the sarif, junitxml and json files.")] = Path(
        "out/scan"
    ),
    fail_on: Annotated[
        str,
        typer.Option("--fail-on", help="Exit 1 on unwaived failures at or above LOW/MEDIUM/HIGH/CRITICAL."),
    ] = "HIGH",
    waivers: Annotated[
        Path | None, typer.Option("--waivers", help="Waiver file (policies/waivers.yaml).")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Run checkov's AWS checks and the Lakeward Databricks pack; exit 1 on unwaived failures."""
    from lakeward.policies.base import Severity
    from lakeward.policies.reports import parse_formats, print_summary, write_reports
    from lakeward.policies.scan import run_scan
    from lakeward.policies.waivers import WAIVERS_FILE

    if fail_on.upper() not in Severity.__members__:
        raise LakewardError(
            f"unknown severity '{fail_on}'", field="--fail-on", fix="use LOW, MEDIUM, HIGH or CRITICAL"
        )
    chosen = parse_formats(formats)
    from contextlib import nullcontext

    with nullcontext() if json_out else console.status("scanning with checkov"):
        report = run_scan(env, input_dir, Severity(fail_on.upper()), waivers or WAIVERS_FILE)
    written = write_reports(report, chosen, out)
    if json_out:
        print_json({**report.as_dict(), "outputs": [str(path) for path in written]})
    elif "text" in chosen:
        print_summary(report, console)
    for path in [] if json_out else written:
        console.print(f"wrote {path}", highlight=False)
    raise typer.Exit(report.exit_code)


@tenant_app.command("new")
def tenant_new(
    name: Annotated[str, typer.Argument(help="Tenant name: lowercase letters, digits and _.")],
    env: Annotated[str, typer.Option("--env", help="The first environment it lives in.")] = "dev",
    tenants_dir: TenantsDir = None,
) -> None:
    """Write a valid starter spec to TENANTS_DIR/NAME.yaml."""
    from lakeward.infra.tenants.loader import TENANTS_DIR
    from lakeward.tenants.scaffold import new_tenant

    path = new_tenant(name, tenants_dir or TENANTS_DIR, env=env)
    console.print(f"[green]wrote[/] {path}: review it, then `lakeward tenant plan {name}`")


@tenant_app.command("validate")
def tenant_validate(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Specs (default: every spec in the folder).")
    ] = None,
    tenants_dir: TenantsDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Check each spec alone and against the others in its folder."""
    from lakeward.infra.tenants.loader import TENANTS_DIR, spec_files
    from lakeward.tenants.validate import validate_files

    paths = files or spec_files(tenants_dir or TENANTS_DIR)
    tenants = validate_files(paths)
    if json_out:
        print_json({"valid": [str(path) for path in paths], "tenants": [t.name for t in tenants]})
    else:
        for path, tenant in zip(paths, tenants, strict=True):
            console.print(f"[green]ok[/] {path} ({tenant.metadata.data_classification.value})")


@tenant_app.command("plan")
def tenant_plan(
    name: Annotated[str, typer.Argument(help="The tenant to plan.")],
    env: Annotated[str | None, typer.Option("--env", help="Environment (default: its first).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Keep the synthesized stack here.")] = None,
    tenants_dir: TenantsDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Synthesize only NAME's stack, scan it and print a pull-request summary."""
    from lakeward.infra.tenants.loader import TENANTS_DIR
    from lakeward.tenants.plan import plan_tenant

    plan = plan_tenant(name, tenants_dir or TENANTS_DIR, env_name=env, out=out)
    if json_out:
        print_json(plan.as_dict())
    else:
        typer.echo(plan.markdown(), nl=False)


@tenant_app.command("remove")
def tenant_remove(
    name: Annotated[str, typer.Argument(help="The tenant to offboard.")],
    destroy: Annotated[
        bool, typer.Option("--destroy", help="Delete the spec of an archived tenant past its retention.")
    ] = False,
    confirm: Annotated[str | None, typer.Option("--confirm", help="The tenant's name, to destroy.")] = None,
    tenants_dir: TenantsDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Archive a tenant (access revoked, data kept), or destroy an archived one after retention."""
    from lakeward.infra.tenants.loader import TENANTS_DIR
    from lakeward.tenants.offboard import remove_tenant

    mode = "destroy" if destroy else "archive"
    removal = remove_tenant(name, tenants_dir or TENANTS_DIR, mode=mode, confirm=confirm)
    if json_out:
        print_json(removal.as_dict())
        return
    verb = "destroyed" if destroy else "archived"
    console.print(f"[green]{verb}[/] {name} ({removal.path}); deploy or destroy: {', '.join(removal.stacks)}")


@tenant_app.command("schema")
def tenant_schema(
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print or write the tenant spec JSON Schema for editors."""
    from lakeward.infra.tenants.loader import tenant_json_schema

    text = json.dumps(tenant_json_schema(), indent=2, sort_keys=True) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        from lakeward.files import write_atomic

        write_atomic(out, text)


def main() -> None:
    """Entry point: turn `LakewardError` into a clear message and a non-zero exit."""
    try:
        app()
    except LakewardError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
