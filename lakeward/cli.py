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


LakehouseOption = Annotated[
    Path, typer.Option("--lakehouse", help="Root folder of the pipeline's Delta tables and index.")
]
TrackingOption = Annotated[
    Path | None, typer.Option("--tracking", help="MLflow folder (sqlite store); default LAKEHOUSE/_mlflow.")
]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="RAG configuration YAML (docs/rag.md).")]


def _rag(lakehouse: Path, tracking: Path | None, config: Path | None):
    from lakeward.workloads.rag.config import load_rag_config
    from lakeward.workloads.rag.tracking import default_tracking

    return load_rag_config(config), tracking or default_tracking(lakehouse)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    tenant: Annotated[
        list[str] | None, typer.Option(help="Only this tenant's documents (repeatable).")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option(help="Only sources matching this glob (repeatable).")
    ] = None,
    classification: Annotated[list[str] | None, typer.Option(help="Only this classification.")] = None,
    max_age_days: Annotated[float | None, typer.Option(help="Only documents updated within N days.")] = None,
    tracking: TrackingOption = None,
    config: ConfigOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Answer a question from the indexed documents, with citations."""
    from lakeward.workloads.rag.chain import build_chain
    from lakeward.workloads.rag.retrieval import Filters

    rag, folder = _rag(lakehouse, tracking, config)
    filters = Filters(
        tuple(tenant) if tenant else None,
        tuple(source) if source else None,
        tuple(classification) if classification else None,
        max_age_days,
    )
    answer = build_chain(lakehouse, rag, folder).answer(question, filters).to_json()
    if json_out:
        print_json(answer)
    else:
        from lakeward.workloads.rag.report import answer_view

        console.print(answer_view(answer))


@app.command()
def serve(
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    alias: Annotated[str, typer.Option(help="Registered model alias to serve.")] = "champion",
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 5001,
    workers: Annotated[int, typer.Option(help="Server worker processes.")] = 1,
    tracking: TrackingOption = None,
    config: ConfigOption = None,
) -> None:
    """Serve the registered RAG model with MLflow's model server on 127.0.0.1 (POST /invocations)."""
    from lakeward.workloads.rag.serving import serve as run_server

    rag, folder = _rag(lakehouse, tracking, config)
    raise typer.Exit(run_server(folder, rag, alias, port, workers))


@app.command("eval")
def evaluate(
    beir: Annotated[Path | None, typer.Option(help="BEIR dataset folder (corpus, queries, qrels).")] = None,
    split: Annotated[str, typer.Option(help="qrels split of the BEIR folder.")] = "train",
    questions: Annotated[
        Path | None, typer.Option(help='JSONL: {"question", "relevant": [doc IDs]}.')
    ] = None,
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    max_queries: Annotated[
        int | None, typer.Option(help="BEIR: first N queries, their documents only.")
    ] = None,
    distractors: Annotated[int, typer.Option(help="BEIR with --max-queries: extra random documents.")] = 0,
    answer_questions: Annotated[int, typer.Option(help="Questions the answers are evaluated on.")] = 50,
    register: Annotated[bool, typer.Option(help="Log the model and register it as `candidate`.")] = False,
    tracking: TrackingOption = None,
    config: ConfigOption = None,
    json_out: JsonFlag = False,
) -> None:
    """nDCG@10, recall and MRR for BM25, dense and hybrid; groundedness, citations, fallbacks, latency."""
    from lakeward.workloads.progress import stage_bars
    from lakeward.workloads.rag.evaluation import EvalRequest, run_evaluation

    rag, folder = _rag(lakehouse, tracking, config)
    request = EvalRequest(
        lakehouse, folder, beir, split, questions, max_queries, distractors, answer_questions, register
    )
    with stage_bars(enabled=not json_out) as progress:
        result = run_evaluation(request, rag, progress).to_json()
    if json_out:
        print_json(result)
    else:
        from lakeward.workloads.rag.report import eval_view

        console.print(eval_view(result))


@app.command()
def release(
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    tracking: TrackingOption = None,
    config: ConfigOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Promote `candidate` to `champion` if its metrics meet the thresholds; exit 4 naming each failure."""
    from lakeward.workloads.rag.release import failure_message
    from lakeward.workloads.rag.release import release as gate

    rag, folder = _rag(lakehouse, tracking, config)
    result = gate(folder, rag)
    if json_out:
        print_json(result.to_json())
    else:
        from lakeward.workloads.rag.report import release_view

        console.print(release_view(result.to_json()))
    if not result.promoted:
        raise failure_message(result)


@app.command()
def monitor(
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    log: Annotated[Path | None, typer.Option(help="Request log; default TRACKING/requests.jsonl.")] = None,
    recent: Annotated[int, typer.Option(help="The last N requests form the recent window.")] = 100,
    psi_max: Annotated[float, typer.Option(help="PSI above this is a breach.")] = 0.25,
    tracking: TrackingOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Compare recent requests with the reference window; exit 3 when a signal drifts."""
    from lakeward.workloads.rag.monitor import compare, drift_error, read_requests

    _, folder = _rag(lakehouse, tracking, None)
    result = compare(read_requests(log or folder / "requests.jsonl"), recent, psi_max=psi_max)
    if json_out:
        print_json(result.to_json())
    else:
        from lakeward.workloads.rag.report import monitor_view

        console.print(monitor_view(result.to_json()))
    if result.breaches:
        raise drift_error(result)


def main() -> None:
    """Entry point: turn `LakewardError` into a clear message and a non-zero exit."""
    try:
        app()
    except LakewardError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
