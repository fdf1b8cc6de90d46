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

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]


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
    json_out: JsonFlag = False,
) -> None:
    """Synthesize every stack of an environment to Terraform JSON."""
    from lakeward.synth import synthesize

    result = synthesize(env, out, backend=backend)
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
def rehearse(
    env: Annotated[str, typer.Option("--env", help="Environment name under environments/.")] = "dev",
    endpoint: Annotated[
        str | None, typer.Option(help="A moto server to use instead of starting one (URL).")
    ] = None,
    plugin_mirror: Annotated[
        Path | None, typer.Option(help="Terraform provider mirror holding hashicorp/aws.")
    ] = None,
    terraform: Annotated[Path | None, typer.Option(help="The terraform binary (default: PATH).")] = None,
    keep: Annotated[bool, typer.Option(help="Keep the working folder (stack, state, logs).")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Apply the AWS foundation for real against moto's server, verify it through the AWS API, destroy it.
    Exit 0 when every step and check passed, 1 when one failed, 130 on Ctrl-C."""
    from lakeward.rehearsal.report import LiveReporter, render
    from lakeward.rehearsal.run import RehearsalOptions
    from lakeward.rehearsal.run import rehearse as run_rehearsal

    options = RehearsalOptions(env, endpoint, plugin_mirror, terraform, keep)
    try:
        if json_out:
            result = run_rehearsal(options)
        else:
            with LiveReporter(console) as reporter:
                result = run_rehearsal(options, reporter=reporter)
    except KeyboardInterrupt:
        errors.print("interrupted: the emulator and every child process were stopped")
        raise typer.Exit(130) from None
    if json_out:
        print_json(result.as_dict())
    else:
        render(console, result)
    if not result.ok:
        raise typer.Exit(1)


def main() -> None:
    """Entry point: turn `LakewardError` into a clear message and a non-zero exit."""
    try:
        app()
    except LakewardError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
