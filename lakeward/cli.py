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
pipeline_app = typer.Typer(no_args_is_help=True, help="Ingest, scrub, chunk, embed and index documents.")
app.add_typer(pipeline_app, name="pipeline")

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


@pipeline_app.command("run")
def pipeline_run(
    corpus: Annotated[Path, typer.Option(help="Folder of .md/.txt/.html files, or a BEIR corpus.jsonl.")] = (
        Path("demo/corpus")
    ),
    engine: Annotated[str, typer.Option(help="local (one process) or spark (mapInArrow).")] = "local",
    lakehouse: Annotated[Path, typer.Option(help="Root folder of the Delta tables and the index.")] = Path(
        "out/lakehouse"
    ),
    catalog: Annotated[str, typer.Option(help="Unity Catalog catalog name of the tables.")] = "llm_dev",
    schema: Annotated[str, typer.Option(help="Unity Catalog schema name of the tables.")] = "rag",
    precision: Annotated[str, typer.Option(help="fp32, or bf16 (kept if its fidelity is 0.98+).")] = "fp32",
    limit: Annotated[int | None, typer.Option(help="Read only the first N documents.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Bring the Delta tables and the index up to date with a corpus; reruns only do what changed."""
    from lakeward.workloads.jobs import pipeline_config
    from lakeward.workloads.pipeline import run_pipeline
    from lakeward.workloads.progress import stage_bars

    config = pipeline_config(catalog, schema, precision)
    with stage_bars(enabled=not json_out) as progress:
        result = run_pipeline(corpus, lakehouse, config, engine=engine, progress=progress, limit=limit)
    if json_out:
        print_json(result.to_json())
    else:
        from lakeward.workloads.summary import summary_table

        console.print(summary_table(result))


def main() -> None:
    """Entry point: turn `LakewardError` into a clear message and a non-zero exit."""
    try:
        app()
    except LakewardError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
