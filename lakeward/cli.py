"""The `lakeward` command line. It only wires: each command's logic is a function in its module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lakeward.errors import LakewardError
from lakeward.output import console, errors, print_json

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
config_app = typer.Typer(no_args_is_help=True, help="Validate environment files and export their schema.")
app.add_typer(config_app, name="config")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]


@config_app.command("validate")
def config_validate(files: Annotated[list[Path], typer.Argument(help="Environment YAML files.")], json_out: JsonFlag = False) -> None:
    """Validate environment files; exit 2 on the first bad one."""
    from lakeward.infra.config import load_environment_file

    envs = [load_environment_file(path) for path in files]
    if json_out:
        print_json({"valid": [str(path) for path in files], "environments": [env.name for env in envs]})
    else:
        for path, env in zip(files, envs, strict=True):
            console.print(f"[green]ok[/] {path} ({env.tier.value})")


@config_app.command("schema")
def config_schema(out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None) -> None:
    """Print or write the environment JSON Schema for editors."""
    from lakeward.infra.config import environment_json_schema

    text = json.dumps(environment_json_schema(), indent=2, sort_keys=True) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        from lakeward.files import write_atomic

        write_atomic(out, text)


def main() -> None:
    """Entry point: turn `LakewardError` into a clear message and a non-zero exit."""
    try:
        app(standalone_mode=False)
    except LakewardError as exc:
        errors.print(f"[red]error:[/] {exc}", highlight=False, markup=True)
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        errors.print("aborted")
        raise SystemExit(130) from None
    except Exception as exc:
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            raise SystemExit(exc.exit_code) from None
        raise
