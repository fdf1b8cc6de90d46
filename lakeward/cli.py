"""The `lakeward` command line. It only wires: each command's logic is a function in its module."""

# No `from __future__ import annotations` here: typer reads every command's annotations at each start,
# and evaluating them from strings cost more than the rest of building the command line.
import gc
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from lakeward.errors import LakewardError
from lakeward.output import Outcome, show


class _Commands(TyperGroup):
    """Every command's `LakewardError` becomes a clear message on stderr and its exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LakewardError as exc:
            from rich.markup import escape

            from lakeward.output import errors

            errors.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Commands, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, help=__doc__
)
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
ci_app = typer.Typer(no_args_is_help=True, help="Helpers for the pipelines under ci/.")
app.add_typer(ci_app, name="ci")
privacy_app = typer.Typer(no_args_is_help=True, help="Check tables for re-identification risk.")
app.add_typer(privacy_app, name="privacy")
rollout_app = typer.Typer(
    no_args_is_help=True,
    help="Canary, promote, roll back and stop a served model through releases/<env>.yaml.",
)
app.add_typer(rollout_app, name="rollout")
workers_app = typer.Typer(
    no_args_is_help=True,
    help="Resident workers that keep checkov and the provider bindings loaded between runs.",
)
app.add_typer(workers_app, name="workers")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]
NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache", help="Build and scan everything, neither reading nor writing the build cache."
    ),
]
TenantsDir = Annotated[
    Path | None,
    typer.Option("--tenants-dir", help="Folder of tenant specs [default: the repository's tenants/]."),
]

ReleasesDir = Annotated[
    Path | None,
    typer.Option(
        "--releases", help="Folder of release files <env>.yaml [default: the repository's releases/]."
    ),
]


def _finish(outcome: Outcome, json_out: bool = False) -> None:
    """Print the outcome (one JSON object with `--json`) and exit with its code."""
    code = show(outcome, json_out)
    if code:
        raise typer.Exit(code)


@config_app.command("validate")
def config_validate(
    files: Annotated[list[Path], typer.Argument(help="Environment YAML files.")], json_out: JsonFlag = False
) -> None:
    """Validate environment files; exit 2 on the first bad one."""
    from lakeward.commands import validate_environments

    _finish(validate_environments(files), json_out)


@config_app.command("schema")
def config_schema(
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print or write the environment JSON Schema for editors."""
    from lakeward.commands import environment_schema

    _finish(environment_schema(out))


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
    limit: Annotated[int | None, typer.Option(min=1, help="Read only the first N documents.")] = None,
    lock_wait: Annotated[
        float, typer.Option(help="Seconds to wait for another run on the same lakehouse, then exit 2.")
    ] = 60.0,
    pii_mode: Annotated[
        str, typer.Option(help="mask (typed placeholders) or pseudonymize (keyed tokens; LAKEWARD_PII_KEY).")
    ] = "mask",
    tenant: Annotated[
        str, typer.Option(help="The tenant owning the corpus, written on every row (lowercase name).")
    ] = "default",
    classification: Annotated[
        str, typer.Option(help="public, internal, confidential or restricted, written on every row.")
    ] = "internal",
    json_out: JsonFlag = False,
) -> None:
    """Bring the Delta tables and the index up to date with a corpus; reruns only do what changed."""
    from workloads.commands import pipeline_run as run

    outcome = run(
        corpus,
        lakehouse,
        engine,
        tables,
        catalog,
        schema,
        precision,
        limit,
        lock_wait,
        pii_mode,
        tenant,
        classification,
        live=not json_out,
    )
    _finish(outcome, json_out)


@app.command("maintain")
def maintain(
    lakehouse: Annotated[Path, typer.Option(help="The lakehouse folder of `pipeline run`.")] = Path(
        "out/lakehouse"
    ),
    retain_hours: Annotated[
        int, typer.Option(help="Vacuum files removed more than this long ago (168 or more).")
    ] = 168,
    json_out: JsonFlag = False,
) -> None:
    """Compact the tables (Z-ordered for retrieval) and vacuum files no reader needs; rows stay the same."""
    from workloads.commands import maintain as run

    _finish(run(lakehouse, retain_hours), json_out)


LakehouseOption = Annotated[
    Path, typer.Option("--lakehouse", help="Root folder of the pipeline's Delta tables and index.")
]
TrackingOption = Annotated[
    Path | None, typer.Option("--tracking", help="MLflow folder (sqlite store); default LAKEHOUSE/_mlflow.")
]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="RAG configuration YAML (docs/rag.md).")]


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
    from workloads.rag import commands

    outcome = commands.ask(
        question, lakehouse, tenant, source, classification, max_age_days, tracking, config
    )
    _finish(outcome, json_out)


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
    from workloads.rag import commands

    _finish(commands.serve(lakehouse, alias, port, workers, tracking, config))


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
    from workloads.rag import commands

    outcome = commands.evaluate(
        lakehouse,
        beir,
        split,
        questions,
        max_queries,
        distractors,
        answer_questions,
        register,
        tracking,
        config,
        live=not json_out,
    )
    _finish(outcome, json_out)


@app.command()
def release(
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    tracking: TrackingOption = None,
    config: ConfigOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Promote `candidate` to `champion` if its metrics meet the thresholds; exit 4 naming each failure."""
    from workloads.rag import commands

    _finish(commands.release(lakehouse, tracking, config), json_out)


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
    from workloads.rag import commands

    _finish(commands.monitor(lakehouse, log, recent, psi_max, tracking), json_out)


@app.command()
def shadow(
    requests: Annotated[
        Path, typer.Option("--requests", help="Inference table export: JSON lines or a Delta folder.")
    ],
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    max_requests: Annotated[int, typer.Option(help="Replay the last N requests.")] = 200,
    out: Annotated[Path | None, typer.Option("--out", help="Write the report here (JSON).")] = None,
    tracking: TrackingOption = None,
    config: ConfigOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Replay recent requests against the challenger and the champion offline; exit 4 when it falls behind."""
    from workloads.rag import commands

    _finish(commands.shadow(requests, lakehouse, max_requests, out, tracking, config), json_out)


EnvOption = Annotated[str, typer.Option("--env", help="Environment name under environments/.")]
EndpointOption = Annotated[
    str | None, typer.Option("--endpoint", help="Serving endpoint [default: the environment's only one].")
]
PercentOption = Annotated[int, typer.Option("--percent", help="The challenger's share of traffic, 1 to 99.")]
ShadowOption = Annotated[Path | None, typer.Option("--shadow", help="Report `lakeward shadow --out` wrote.")]
LogOption = Annotated[Path | None, typer.Option("--log", help="Request log the monitor judges.")]
RecentOption = Annotated[int, typer.Option(help="The monitor's recent window, in requests.")]


@rollout_app.command("canary")
def rollout_canary(
    env: EnvOption,
    percent: PercentOption = 10,
    endpoint: EndpointOption = None,
    releases: ReleasesDir = None,
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    tracking: TrackingOption = None,
    config: ConfigOption = None,
    log: LogOption = None,
    recent: RecentOption = 100,
    json_out: JsonFlag = False,
) -> None:
    """Make the `candidate` version the challenger with a small share of traffic; exit 5 when frozen."""
    from lakeward.releases import commands

    _finish(
        commands.canary(env, percent, endpoint, releases, lakehouse, tracking, config, log, recent), json_out
    )


@rollout_app.command("step")
def rollout_step(
    env: EnvOption,
    percent: PercentOption,
    shadow: Annotated[Path, typer.Option("--shadow", help="Report `lakeward shadow --out` wrote.")],
    log: Annotated[Path, typer.Option("--log", help="Request log the monitor judges.")],
    endpoint: EndpointOption = None,
    releases: ReleasesDir = None,
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    tracking: TrackingOption = None,
    config: ConfigOption = None,
    recent: RecentOption = 100,
    json_out: JsonFlag = False,
) -> None:
    """Widen the challenger's share once the shadow, monitor and evaluation gates hold; exit 5 when frozen."""
    from lakeward.releases import commands

    _finish(
        commands.step(env, percent, shadow, log, endpoint, releases, lakehouse, tracking, config, recent),
        json_out,
    )


@rollout_app.command("promote")
def rollout_promote(
    env: EnvOption,
    shadow: ShadowOption = None,
    log: LogOption = None,
    endpoint: EndpointOption = None,
    releases: ReleasesDir = None,
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    tracking: TrackingOption = None,
    config: ConfigOption = None,
    recent: RecentOption = 100,
    json_out: JsonFlag = False,
) -> None:
    """The challenger becomes champion and the champion `previous` (the first champion: the candidate)."""
    from lakeward.releases import commands

    _finish(
        commands.promote(env, shadow, log, endpoint, releases, lakehouse, tracking, config, recent), json_out
    )


@rollout_app.command("rollback")
def rollout_rollback(
    env: EnvOption,
    endpoint: EndpointOption = None,
    releases: ReleasesDir = None,
    lakehouse: LakehouseOption = Path("out/lakehouse"),
    tracking: TrackingOption = None,
    config: ConfigOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Return the champion to `previous` and drop any challenger; offline, no gates."""
    from lakeward.releases import commands

    _finish(commands.rollback(env, endpoint, releases, lakehouse, tracking, config), json_out)


@rollout_app.command("override")
def rollout_override(
    env: EnvOption,
    owner: Annotated[str, typer.Option("--owner", help="Who answers for the override.")],
    reason: Annotated[str, typer.Option("--reason", help="Why promotion may proceed despite the freeze.")],
    expires: Annotated[
        str, typer.Option("--expires", help="Last day it holds, YYYY-MM-DD (30 days at most).")
    ],
    releases: ReleasesDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Record a freeze override (owner, reason, expiry) in the release file; evidence bundles list it."""
    from lakeward.releases import commands

    _finish(commands.override(env, owner, reason, expires, releases), json_out)


@rollout_app.command("kill")
def rollout_kill(
    env: EnvOption,
    endpoint: EndpointOption = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Every endpoint of this tenant.")] = None,
    off: Annotated[bool, typer.Option("--off", help="Turn the kill switch off again.")] = False,
    now: Annotated[
        bool, typer.Option("--now", help="Also stop traffic at once through the serving endpoints API.")
    ] = False,
    host: Annotated[
        str | None, typer.Option("--host", help="Workspace URL for --now [default: DATABRICKS_HOST].")
    ] = None,
    releases: ReleasesDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Admit nobody but the platform admins to an endpoint (or a tenant's endpoints)."""
    from lakeward.releases import commands

    _finish(commands.kill(env, endpoint, tenant, off, now, host, releases), json_out)


@app.command()
def synth(
    env: Annotated[str, typer.Option("--env", help="Environment name under environments/.")] = "dev",
    out: Annotated[
        Path, typer.Option("--out", help="Output folder (DIR/stacks/<stack>/cdk.tf.json).")
    ] = Path("cdktf.out"),
    backend: Annotated[str | None, typer.Option(help="Override the state backend: s3 or local.")] = None,
    tenants_dir: TenantsDir = None,
    releases: ReleasesDir = None,
    no_cache: NoCache = False,
    json_out: JsonFlag = False,
) -> None:
    """Synthesize every stack of an environment, one per tenant, to Terraform JSON."""
    from lakeward.commands import synth as run

    _finish(run(env, out, backend, tenants_dir, releases, use_cache=not no_cache), json_out)


@app.command()
def bundle(
    env: Annotated[
        str, typer.Option("--env", help="Environment name under environments/ (the default target).")
    ] = "dev",
    out: Annotated[Path, typer.Option("--out", help="Output folder (DIR/databricks.yml, DIR/dist/).")] = Path(
        "out/bundle"
    ),
    json_out: JsonFlag = False,
) -> None:
    """Write the workloads (wheel and jobs, a target per environment) as a Databricks Asset Bundle."""
    from lakeward.commands import bundle as run

    _finish(run(env, out), json_out)


@app.command()
def scan(
    env: Annotated[str | None, typer.Option("--env", help="Synthesize this environment and scan it.")] = None,
    input_dir: Annotated[
        Path | None,
        typer.Option(
            "--input", help="Scan a synth output folder (DIR/stacks/*/cdk.tf.json) or a folder of .tf files."
        ),
    ] = None,
    plans: Annotated[
        list[Path] | None,
        typer.Option(
            "--plan", help="Scan what a saved plan will change: `terraform show -json` (repeatable)."
        ),
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
    tenants_dir: TenantsDir = None,
    no_cache: NoCache = False,
    json_out: JsonFlag = False,
) -> None:
    """Run checkov's AWS checks and the Lakeward Databricks pack; exit 1 on unwaived failures."""
    from lakeward.commands import scan as run

    outcome = run(
        env,
        input_dir,
        formats,
        out,
        fail_on,
        waivers,
        live=not json_out,
        plans=plans,
        tenants_dir=tenants_dir,
        use_cache=not no_cache,
    )
    _finish(outcome, json_out)


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
    from lakeward.rehearsal.commands import rehearse_command
    from lakeward.rehearsal.run import RehearsalOptions

    options = RehearsalOptions(env, endpoint, plugin_mirror, terraform, keep)
    _finish(rehearse_command(options, live=not json_out), json_out)


@app.command()
def preflight(
    env: Annotated[str, typer.Option("--env", help="Environment name under environments/.")] = "dev",
    json_out: JsonFlag = False,
) -> None:
    """Read-only checks of the AWS and Databricks accounts before the first deploy (docs/deploy.md).
    Exit 0 when nothing blocks, 1 on a blocker, 2 on bad input or missing credentials."""
    from lakeward.output import Outcome
    from lakeward.preflight.report import render
    from lakeward.preflight.run import preflight as run_preflight

    report = run_preflight(env, os.environ)
    _finish(Outcome(report.as_dict(), render(report), report.exit_code), json_out)


@app.command()
def bootstrap(
    env: Annotated[str, typer.Option("--env", help="Environment name under environments/.")] = "dev",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan only: read what exists, change nothing.")
    ] = (False),
    json_out: JsonFlag = False,
) -> None:
    """Create the governance functions, governed tags and pipeline tables on the workspace's SQL warehouse
    (after the workspace stack, before the tenant stacks), and each active tenant's pipeline tables once
    its tenant stack made its catalog (run again after the tenant stacks, before the retrieval stack);
    reruns change nothing. Needs DATABRICKS_HOST (the workspace URL) and DATABRICKS_TOKEN or
    DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET."""
    from lakeward.governance.commands import run

    _finish(run(env, os.environ, dry_run), json_out)


@app.command()
def drift(
    env: Annotated[str, typer.Option("--env", help="Environment name under environments/.")] = "dev",
    input_dir: Annotated[
        Path | None,
        typer.Option("--input", help="An existing `lakeward synth` output instead of synthesizing."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the JSON report to this file.")
    ] = None,
    timeout: Annotated[
        int, typer.Option("--timeout", min=1, help="Seconds to wait for the workspace, retries included.")
    ] = 60,
    waivers: Annotated[
        Path | None, typer.Option("--waivers", help="Waiver file (policies/waivers.yaml).")
    ] = None,
    account_host: Annotated[
        str | None,
        typer.Option(
            "--account-host",
            help="Also read the account at this console URL, e.g. https://accounts.cloud.databricks.com "
            "(needs an account admin).",
        ),
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Compare the live workspace (DATABRICKS_HOST, DATABRICKS_TOKEN) with the code and judge it with the
    policy pack. Exit 0 clean, 1 drift or findings, 2 bad input, credentials or unreadable objects."""
    from lakeward.drift.commands import drift as run

    _finish(run(env, input_dir, out, os.environ, timeout, waivers, account_host), json_out)


@evidence_app.command("keygen")
def evidence_keygen(
    out: Annotated[Path, typer.Option("--out", help="Folder for the key pair.")], json_out: JsonFlag = False
) -> None:
    """Write an Ed25519 key pair (private key mode 0600) and print the public key's fingerprint."""
    from lakeward.evidence import commands

    _finish(commands.keygen(out), json_out)


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
    drift: Annotated[
        Path | None,
        typer.Option("--drift", help="A `lakeward drift --out` report, or a folder: its newest is used."),
    ] = None,
    releases: ReleasesDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Collect the evidence, evaluate the controls, write and sign a bundle."""
    from lakeward.evidence import commands

    outcome = commands.export(
        key,
        env,
        out,
        previous,
        results,
        stacks,
        lineage,
        mlflow_uri,
        tenants,
        waivers,
        databricks_host,
        warehouse_id,
        days,
        live=not json_out,
        drift=drift,
        releases=releases,
    )
    _finish(outcome, json_out)


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
    from lakeward.evidence import commands

    _finish(commands.verify(bundle, pubkey, previous), json_out)


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
    from lakeward.evidence import commands

    _finish(commands.diff(a, b, pubkey), json_out)


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
    from lakeward.evidence import commands

    _finish(commands.publish(bundle, bucket, retention_days, endpoint_url, create_bucket), json_out)


@tenant_app.command("new")
def tenant_new(
    name: Annotated[str, typer.Argument(help="Tenant name: lowercase letters, digits and _.")],
    env: Annotated[str, typer.Option("--env", help="The first environment it lives in.")] = "dev",
    tenants_dir: TenantsDir = None,
) -> None:
    """Write a valid starter spec to TENANTS_DIR/NAME.yaml."""
    from lakeward.tenants import commands

    _finish(commands.new(name, env, tenants_dir))


@tenant_app.command("validate")
def tenant_validate(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Specs (default: every spec in the folder).")
    ] = None,
    tenants_dir: TenantsDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Check each spec alone and against the others in its folder."""
    from lakeward.tenants import commands

    _finish(commands.validate(files, tenants_dir), json_out)


@tenant_app.command("plan")
def tenant_plan(
    name: Annotated[str, typer.Argument(help="The tenant to plan.")],
    env: Annotated[str | None, typer.Option("--env", help="Environment (default: its first).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Keep the synthesized stack here.")] = None,
    tenants_dir: TenantsDir = None,
    no_cache: NoCache = False,
    json_out: JsonFlag = False,
) -> None:
    """Synthesize only NAME's stack, scan it and print a pull-request summary."""
    from lakeward.tenants import commands

    _finish(commands.plan(name, env, out, tenants_dir, use_cache=not no_cache), json_out)


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
    from lakeward.tenants import commands

    _finish(commands.remove(name, destroy, confirm, tenants_dir), json_out)


@tenant_app.command("schema")
def tenant_schema(
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print or write the tenant spec JSON Schema for editors."""
    from lakeward.tenants import commands

    _finish(commands.schema(out))


@ci_app.command("summary")
def ci_summary(
    plans: Annotated[Path, typer.Option("--plans", help="Folder of STACK.plan.json files.")],
    scan_files: Annotated[
        list[Path] | None, typer.Option("--scan", help="`lakeward scan` results.json (repeatable).")
    ] = None,
    tenant_plans: Annotated[
        list[Path] | None, typer.Option("--tenant-plan", help="`lakeward tenant plan --json` (repeatable).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """One Markdown pull-request summary: changes per stack, stacks not planned (waiting for a deploy
    step, or failed: exit 1), policy findings, tenant blast radius."""
    from lakeward.ci.summary import summary

    _finish(summary(plans, scan_files or [], tenant_plans or [], out), json_out)


@ci_app.command("stages")
def ci_stages(
    env: Annotated[str, typer.Option("--env", help="Environment name under environments/.")] = "dev",
    releases: ReleasesDir = None,
    json_out: JsonFlag = False,
) -> None:
    """The deploy stages in order, one `NAME ACTION TARGET` line each: apply a stack kind's saved plans,
    run a step's command, or skip it (the model release; serving without a champion)."""
    from lakeward.ci.stages import stages

    _finish(stages(env, releases), json_out)


@privacy_app.command("check")
def privacy_check(
    path: Annotated[Path, typer.Argument(help="A Delta table folder, or a parquet or CSV file.")],
    quasi_identifiers: Annotated[str, typer.Option(help="Comma list of quasi-identifier columns.")],
    k: Annotated[int, typer.Option("--k", help="Every class of rows must hold at least K rows.")] = 5,
    json_out: JsonFlag = False,
) -> None:
    """k-anonymity: the smallest class of rows sharing the quasi-identifiers; exit 1 below K."""
    from lakeward.output import Outcome
    from workloads.privacy.cohort import check_path

    report = check_path(path, quasi_identifiers, k)
    _finish(Outcome(report.to_json(), report.text() + "\n", 0 if report.ok else 1), json_out)


@workers_app.command("status")
def workers_status(json_out: JsonFlag = False) -> None:
    """The running workers: kind, process, age, requests served; whether workers are on here."""
    from lakeward.workers.commands import status

    _finish(status(), json_out)


@workers_app.command("stop")
def workers_stop(json_out: JsonFlag = False) -> None:
    """Stop every worker of this user (they also stop after 15 idle minutes, or when their code changes)."""
    from lakeward.workers.commands import stop

    _finish(stop(), json_out)


def main() -> None:
    """Entry point of the `lakeward` script and of `python -m lakeward`."""
    # Lakeward uses no pydantic plugin, and looking for them reads the entry points of every installed
    # distribution (tens of milliseconds a command). Setting the variable, even empty, looks again.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # Starting a command allocates some hundred thousand objects that live until it exits (typer,
    # pydantic, the models); the default threshold, a collection every 700 allocations, walked them
    # over and over. Unreachable cycles are still collected, after 50,000 allocations.
    gc.set_threshold(50_000, 20, 20)
    app()
