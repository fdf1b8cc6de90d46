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
tenant_app = typer.Typer(no_args_is_help=True, help="Onboard, review and offboard tenants.")
app.add_typer(tenant_app, name="tenant")
evidence_app = typer.Typer(
    no_args_is_help=True, help="Signed, chained audit evidence that auditors verify offline."
)
app.add_typer(evidence_app, name="evidence")

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
    from infra.config import check_shared_singletons, load_environment_file

    envs = [load_environment_file(path) for path in files]
    check_shared_singletons(envs, [str(path) for path in files])
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
    from infra.config import environment_json_schema

    text = json.dumps(environment_json_schema(), indent=2, sort_keys=True) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        from lakeward.files import write_atomic

        write_atomic(out, text)


@pipeline_app.command("run")
def pipeline_run(
    corpus: Annotated[Path, typer.Option(help="Folder of .md/.txt/.html files, or a BEIR corpus.jsonl.")] = (
        Path("demo/corpus")
    ),
    engine: Annotated[str, typer.Option(help="local (one process) or spark (mapInArrow).")] = "local",
    tables: Annotated[
        str,
        typer.Option(
            help="path (delta-rs under --lakehouse) or catalog (Unity Catalog names through Spark; "
            "needs --engine spark)."
        ),
    ] = "path",
    lakehouse: Annotated[
        Path, typer.Option(help="Folder of the index and, with --tables path, of the Delta tables.")
    ] = Path("out/lakehouse"),
    catalog: Annotated[str, typer.Option(help="Unity Catalog catalog name of the tables.")] = "llm_dev",
    schema: Annotated[str, typer.Option(help="Unity Catalog schema name of the tables.")] = "curated",
    precision: Annotated[str, typer.Option(help="fp32, or bf16 (kept if its fidelity is 0.98+).")] = "fp32",
    limit: Annotated[int | None, typer.Option(help="Read only the first N documents.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Bring the Delta tables and the index up to date with a corpus; reruns only do what changed."""
    from workloads.jobs import pipeline_config
    from workloads.pipeline import run_pipeline
    from workloads.progress import stage_bars

    config = pipeline_config(catalog, schema, precision, tables)
    with stage_bars(enabled=not json_out) as progress:
        result = run_pipeline(corpus, lakehouse, config, engine=engine, progress=progress, limit=limit)
    if json_out:
        print_json(result.to_json())
    else:
        from workloads.summary import summary_table

        console.print(summary_table(result))


LakehouseOption = Annotated[
    Path, typer.Option("--lakehouse", help="Root folder of the pipeline's Delta tables and index.")
]
TrackingOption = Annotated[
    Path | None, typer.Option("--tracking", help="MLflow folder (sqlite store); default LAKEHOUSE/_mlflow.")
]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="RAG configuration YAML (docs/rag.md).")]


def _rag(lakehouse: Path, tracking: Path | None, config: Path | None):
    from workloads.rag.config import load_rag_config
    from workloads.rag.tracking import default_tracking

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
    from workloads.rag.chain import build_chain
    from workloads.rag.retrieval import Filters

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
        from workloads.rag.report import answer_view

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
    from workloads.rag.serving import serve as run_server

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
    from workloads.progress import stage_bars
    from workloads.rag.evaluation import EvalRequest, run_evaluation

    rag, folder = _rag(lakehouse, tracking, config)
    request = EvalRequest(
        lakehouse, folder, beir, split, questions, max_queries, distractors, answer_questions, register
    )
    with stage_bars(enabled=not json_out) as progress:
        result = run_evaluation(request, rag, progress).to_json()
    if json_out:
        print_json(result)
    else:
        from workloads.rag.report import eval_view

        console.print(eval_view(result))


@app.command()
def release(
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    tracking: TrackingOption = None,
    config: ConfigOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Promote `candidate` to `champion` if its metrics meet the thresholds; exit 4 naming each failure."""
    from workloads.rag.release import failure_message
    from workloads.rag.release import release as gate

    rag, folder = _rag(lakehouse, tracking, config)
    result = gate(folder, rag)
    if json_out:
        print_json(result.to_json())
    else:
        from workloads.rag.report import release_view

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
    from workloads.rag.monitor import compare, drift_error, read_requests

    _, folder = _rag(lakehouse, tracking, None)
    result = compare(read_requests(log or folder / "requests.jsonl"), recent, psi_max=psi_max)
    if json_out:
        print_json(result.to_json())
    else:
        from workloads.rag.report import monitor_view

        console.print(monitor_view(result.to_json()))
    if result.breaches:
        raise drift_error(result)


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
        typer.Option(
            "--fail-on",
            help="Exit 1 on unwaived failures at or above this severity (default LOW: every failure).",
        ),
    ] = "LOW",
    waivers: Annotated[
        Path | None, typer.Option("--waivers", help="Waiver file (policies/waivers.yaml).")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Run checkov's AWS checks and the Lakeward Databricks pack; exit 1 on unwaived failures."""
    from policies.base import Severity
    from policies.reports import parse_formats, print_summary, write_reports
    from policies.scan import run_scan
    from policies.waivers import WAIVERS_FILE

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


@evidence_app.command("keygen")
def evidence_keygen(
    out: Annotated[Path, typer.Option("--out", help="Folder for the key pair.")], json_out: JsonFlag = False
) -> None:
    """Write an Ed25519 key pair (private key mode 0600) and print the public key's fingerprint."""
    from lakeward.evidence.keys import keygen

    pair = keygen(out)
    if json_out:
        print_json(pair.as_dict())
    else:
        console.print(f"private key {pair.private} (keep secret)\npublic key  {pair.public}")
        typer.echo(pair.fingerprint)


@evidence_app.command("export")
def evidence_export(
    env: Annotated[str, typer.Option("--env", help="Environment under environments/.")] = "dev",
    out: Annotated[Path | None, typer.Option("--out", help="New folder for the bundle.")] = None,
    key: Annotated[
        Path | None, typer.Option("--key", envvar="LAKEWARD_EVIDENCE_KEY", help="Ed25519 private key (PEM).")
    ] = None,
    previous: Annotated[Path | None, typer.Option("--previous", help="The last bundle, to chain to.")] = None,
    results: Annotated[
        Path | None,
        typer.Option("--results", help="Folder of scan (SARIF, JSON), JUnit and rehearsal results."),
    ] = None,
    stacks: Annotated[
        Path | None,
        typer.Option("--stacks", help="An existing `lakeward synth` output instead of synthesizing."),
    ] = None,
    lineage: Annotated[
        Path | None, typer.Option("--lineage", help="OpenLineage events (file or folder).")
    ] = None,
    mlflow_uri: Annotated[
        str | None, typer.Option("--mlflow-uri", help="MLflow tracking/registry URI.")
    ] = None,
    tenants: Annotated[Path | None, typer.Option("--tenants", help="Tenant specs folder.")] = None,
    waivers: Annotated[Path | None, typer.Option("--waivers", help="Waiver file.")] = None,
    databricks_host: Annotated[
        str | None, typer.Option("--databricks-host", envvar="DATABRICKS_HOST", help="Live: workspace URL.")
    ] = None,
    warehouse_id: Annotated[
        str | None, typer.Option("--warehouse-id", help="Live: SQL warehouse reading the system tables.")
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Live: days of audit log and lineage.")] = 7,
    json_out: JsonFlag = False,
) -> None:
    """Collect the evidence, evaluate the controls, write and sign a bundle."""
    import os

    from lakeward.evidence.bundle import ExportOptions, export_bundle
    from lakeward.evidence.collectors.databricks_live import LiveSource
    from lakeward.evidence.items import export_time

    if key is None:
        raise LakewardError(
            "no signing key", field="--key", fix="run `lakeward evidence keygen --out DIR` and pass --key"
        )
    live = None
    if warehouse_id:
        token = os.environ.get("DATABRICKS_TOKEN")
        if not (databricks_host and token):
            raise LakewardError(
                "live collection needs a host and a token",
                field="--databricks-host/DATABRICKS_TOKEN",
                fix="set DATABRICKS_HOST and DATABRICKS_TOKEN, or drop --warehouse-id",
            )
        live = LiveSource(databricks_host, token, warehouse_id, days)
    options = ExportOptions(
        out=out or Path("evidence") / f"{env}-{export_time().strftime('%Y%m%dT%H%M%SZ')}",
        key=key,
        env=env,
        previous=previous,
        results=results,
        stacks=stacks,
        lineage=lineage,
        mlflow_uri=mlflow_uri,
        live=live,
    )
    if tenants is not None:
        options.tenants = tenants
    if waivers is not None:
        options.waivers = waivers
    if json_out:
        result = export_bundle(options)
        print_json(result.as_dict())
        return
    with console.status("collecting evidence") as status:
        result = export_bundle(options, lambda step: status.update(f"evidence: {step}"))
    counts = ", ".join(f"{count} {name}" for name, count in result.controls.items() if count)
    console.print(
        f"[green]bundle[/] {result.bundle} #{result.sequence}\ndigest {result.digest}\ncontrols: {counts}"
    )


@evidence_app.command("verify")
def evidence_verify(
    bundle: Annotated[Path, typer.Argument(help="The bundle folder.")],
    pubkey: Annotated[Path, typer.Option("--pubkey", help="The signer's public key (PEM).")],
    previous: Annotated[
        Path | None, typer.Option("--previous", help="The previous bundle of the chain.")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Verify offline.

    Exit 0 ok, 2 bad input, 3 changed/added/removed file, 4 bad signature or wrong key, 5 broken chain.
    """
    from lakeward.evidence.keys import read_public_key
    from lakeward.evidence.verifier import verify_bundle

    result = verify_bundle(bundle, read_public_key(pubkey), previous)
    if json_out:
        print_json(result.as_dict())
    else:
        for code, message in result.problems:
            console.print(f"[red]FAIL[/] [{code}] {escape(message)}", highlight=False)
        for item in result.stale:
            console.print(f"[yellow]stale[/] {escape(item)} is past its expires_at", highlight=False)
        verdict = "[green]verified[/]" if result.ok else "[red]NOT verified[/]"
        console.print(
            f"{verdict} {result.bundle}: digest {result.digest}, chain {escape(result.chain)}", soft_wrap=True
        )
    raise typer.Exit(result.exit_code)


@evidence_app.command("diff")
def evidence_diff(
    a: Annotated[Path, typer.Argument(help="The earlier bundle.")],
    b: Annotated[Path, typer.Argument(help="The later bundle.")],
    pubkey: Annotated[Path, typer.Option("--pubkey", help="The signer's public key (PEM).")],
    json_out: JsonFlag = False,
) -> None:
    """What changed in findings, grants, tenants, waivers, model and prompt aliases and controls.

    Both bundles are verified first; one that does not verify exits with the verifier's code (2-5).
    """
    from lakeward.evidence.diff import diff_bundles, has_changes
    from lakeward.evidence.keys import read_public_key

    diff = diff_bundles(a, b, read_public_key(pubkey))
    if json_out:
        print_json(diff)
        return
    for section, parts in diff.items():
        for kind, sign in (("added", "+"), ("removed", "-"), ("changed", "~")):
            for key, value in parts[kind].items():
                shown = " -> ".join(value) if kind == "changed" else value
                console.print(
                    f"{section:15} {sign} {escape(key)}: {escape(str(shown))}",
                    highlight=False,
                    soft_wrap=True,
                )
    if not has_changes(diff):
        console.print("no differences")


@evidence_app.command("publish")
def evidence_publish(
    bundle: Annotated[Path, typer.Argument(help="The bundle folder.")],
    bucket: Annotated[str, typer.Option("--bucket", help="S3 bucket with Object Lock enabled.")],
    retention_days: Annotated[int, typer.Option("--retention-days", help="COMPLIANCE retention.")] = 2555,
    endpoint_url: Annotated[
        str | None, typer.Option("--endpoint-url", envvar="AWS_ENDPOINT_URL_S3", help="S3 endpoint.")
    ] = None,
    create_bucket: Annotated[bool, typer.Option(help="Create the bucket with Object Lock.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Upload to S3 under Object Lock (COMPLIANCE); exit 6 if this bundle is already published."""
    from lakeward.evidence.publish import publish_bundle, s3_client

    result = publish_bundle(
        bundle, bucket, retention_days, client=s3_client(endpoint_url), create_bucket=create_bucket
    )
    if json_out:
        print_json(result.as_dict())
    else:
        console.print(
            f"published {result.objects} objects to s3://{result.bucket}/{result.prefix} "
            f"(COMPLIANCE until {result.retain_until})"
        )


@tenant_app.command("new")
def tenant_new(
    name: Annotated[str, typer.Argument(help="Tenant name: lowercase letters, digits and _.")],
    env: Annotated[str, typer.Option("--env", help="The first environment it lives in.")] = "dev",
    tenants_dir: TenantsDir = None,
) -> None:
    """Write a valid starter spec to TENANTS_DIR/NAME.yaml."""
    from lakeward.tenants.loader import TENANTS_DIR
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
    from lakeward.tenants.loader import TENANTS_DIR, spec_files
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
    from lakeward.tenants.loader import TENANTS_DIR
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
    from lakeward.tenants.loader import TENANTS_DIR
    from lakeward.tenants.offboard import remove_tenant

    removal = remove_tenant(
        name, tenants_dir or TENANTS_DIR, mode="destroy" if destroy else "archive", confirm=confirm
    )
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
    from lakeward.tenants.loader import tenant_json_schema

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
