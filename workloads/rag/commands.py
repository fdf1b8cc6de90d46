"""The RAG commands: ask, serve, eval, release, monitor and shadow, each returning an `Outcome`.

`tracking` defaults to LAKEHOUSE/_mlflow and `config` to the built-in RAG configuration."""

from __future__ import annotations

import json
from pathlib import Path

from lakeward.errors import LakewardError
from lakeward.output import Outcome
from workloads.rag.config import RagConfig
from workloads.rag.report import answer_view, eval_view, monitor_view, release_view, shadow_view

MAX_QUESTION_CHARS = 4000


def _setup(
    lakehouse: Path, tracking: Path | None, config: Path | None, *, built: bool = True
) -> tuple[RagConfig, Path]:
    """The RAG configuration and MLflow folder; with `built` and the local backend, the lakehouse must
    already hold the index, checked before anything (MLflow's folder included) is created inside it."""
    from workloads.indexing import index_dir, read_manifest
    from workloads.rag.config import load_rag_config
    from workloads.rag.tracking import default_tracking

    rag = load_rag_config(config)
    if lakehouse.exists() and not lakehouse.is_dir():
        raise LakewardError(
            "a file, not a lakehouse folder", source=str(lakehouse), field="--lakehouse", fix=LAKEHOUSE_FIX
        )
    local = rag.retrieval.backend == "local"
    if built and local and read_manifest(index_dir(lakehouse, rag.catalog, rag.schema_name)) is None:
        raise LakewardError(
            f"holds no index for {rag.catalog}.{rag.schema_name}",
            source=str(lakehouse),
            field="--lakehouse",
            fix=LAKEHOUSE_FIX,
        )
    return rag, tracking or default_tracking(lakehouse)


LAKEHOUSE_FIX = "pass the folder `lakeward pipeline run --lakehouse` wrote, or run the pipeline first"


def existing_store(folder: Path) -> Path:
    """The MLflow folder, which must exist already: nothing is created in a folder that is not one."""
    if not folder.is_dir():
        raise LakewardError(
            "no MLflow store here",
            source=str(folder),
            field="--tracking",
            fix="run `lakeward eval --register` first",
        )
    return folder


def registry_folder(lakehouse: Path, tracking: Path | None, config: Path | None) -> tuple[RagConfig, Path]:
    """The RAG configuration and an MLflow folder that must exist already (the release registry)."""
    rag, folder = _setup(lakehouse, tracking, config, built=False)
    return rag, existing_store(folder)


def checked_question(text: str) -> str:
    """A question that is neither empty nor longer than `MAX_QUESTION_CHARS`."""
    if not text.strip():
        raise LakewardError("the question is empty", field="QUESTION", fix="ask a question in words")
    if len(text) > MAX_QUESTION_CHARS:
        raise LakewardError(
            f"the question has {len(text):,} characters, over the {MAX_QUESTION_CHARS:,} allowed",
            field="QUESTION",
            fix="shorten it to the question itself; retrieval reads the documents, not the prompt",
        )
    return text


def ask(
    question: str,
    lakehouse: Path,
    tenant: list[str] | None = None,
    source: list[str] | None = None,
    classification: list[str] | None = None,
    max_age_days: float | None = None,
    tracking: Path | None = None,
    config: Path | None = None,
) -> Outcome:
    """Answer from the indexed documents, with citations; empty filter lists restrict nothing."""
    from workloads.rag.chain import build_chain
    from workloads.rag.retrieval import Filters

    rag, folder = _setup(lakehouse, tracking, config)
    filters = Filters(
        tuple(tenant) if tenant else None,
        tuple(source) if source else None,
        tuple(classification) if classification else None,
        max_age_days,
    )
    answer = build_chain(lakehouse, rag, folder).answer(checked_question(question), filters).to_json()
    return Outcome(answer, answer_view(answer))


def serve(
    lakehouse: Path,
    alias: str = "champion",
    port: int = 5001,
    workers: int = 1,
    tracking: Path | None = None,
    config: Path | None = None,
) -> Outcome:
    """Serve the model under `alias` in the foreground; exit with the server's exit code."""
    from workloads.rag.serving import serve as run_server

    rag, folder = _setup(lakehouse, tracking, config)
    return Outcome(None, "", run_server(folder, rag, alias, port, workers))


def evaluate(
    lakehouse: Path,
    beir: Path | None = None,
    split: str = "train",
    questions: Path | None = None,
    max_queries: int | None = None,
    distractors: int = 0,
    answer_questions: int = 50,
    register: bool = False,
    tracking: Path | None = None,
    config: Path | None = None,
    live: bool = False,
) -> Outcome:
    """Retrieval and answer metrics; with `register`, the model is registered as `candidate`."""
    from workloads.progress import stage_bars
    from workloads.rag.evaluation import EvalRequest, run_evaluation

    rag, folder = _setup(lakehouse, tracking, config, built=False)
    request = EvalRequest(
        lakehouse, folder, beir, split, questions, max_queries, distractors, answer_questions, register
    )
    with stage_bars(enabled=live) as progress:
        result = run_evaluation(request, rag, progress).to_json()
    return Outcome(result, eval_view(result))


def release(lakehouse: Path, tracking: Path | None = None, config: Path | None = None) -> Outcome:
    """Promote `candidate` to `champion` if its metrics meet the thresholds; exit 4 naming each failure."""
    from workloads.rag.release import failure_message
    from workloads.rag.release import release as gate

    rag, folder = _setup(lakehouse, tracking, config, built=False)
    result = gate(existing_store(folder), rag)
    error = None if result.promoted else failure_message(result)
    return Outcome(result.to_json(), release_view(result.to_json()), error=error)


def monitor(
    lakehouse: Path,
    log: Path | None = None,
    recent: int = 100,
    psi_max: float = 0.25,
    tracking: Path | None = None,
) -> Outcome:
    """Compare the last `recent` requests with the earlier ones; exit 3 when a signal drifts."""
    from workloads.rag.monitor import compare, drift_error, read_requests

    _, folder = _setup(lakehouse, tracking, None, built=False)
    result = compare(read_requests(log or folder / "requests.jsonl"), recent, psi_max=psi_max)
    error = drift_error(result) if result.breaches else None
    return Outcome(result.to_json(), monitor_view(result.to_json()), error=error)


def shadow(
    requests: Path,
    lakehouse: Path,
    max_requests: int = 200,
    out: Path | None = None,
    tracking: Path | None = None,
    config: Path | None = None,
) -> Outcome:
    """Replay recent requests against the `challenger` and the `champion` offline and compare them;
    write the report to `out` (the canary's step and promotion read it); exit 4 when a check fails."""
    from lakeward.files import write_atomic
    from workloads.rag.shadow import (
        EXIT_SHADOW,
        ShadowReport,
        chunk_texts,
        compare,
        read_replays,
        registered_chain,
    )
    from workloads.rag.tracking import use_tracking, version_by_alias

    rag, folder = _setup(lakehouse, tracking, config, built=False)
    replays, skipped = read_replays(requests, max_requests)
    use_tracking(existing_store(folder))
    fix = "start a canary with `lakeward rollout canary` (champion and challenger aliases)"
    versions = {
        alias: int(version_by_alias(folder, rag.model_name, alias, alias, fix).version)
        for alias in ("champion", "challenger")
    }
    champion, challenger = (registered_chain(rag.model_name, alias) for alias in versions)
    metrics, checks, disagreements = compare(
        replays,
        lambda q: champion.answer(q).to_json(),
        lambda q: challenger.answer(q).to_json(),
        chunk_texts(champion, challenger),
        rag.shadow,
    )
    report = ShadowReport(
        rag.model_name,
        versions["champion"],
        versions["challenger"],
        len(replays),
        skipped,
        metrics,
        checks,
        disagreements,
    )
    data = report.to_json()
    if out is not None:
        write_atomic(out, json.dumps(data, indent=2, sort_keys=True) + "\n")
    error = None
    if not report.passed:
        failed = [c.metric for c in checks if not c.passed]
        error = LakewardError(
            f"challenger {report.challenger} falls behind champion {report.champion} on {', '.join(failed)}",
            field=failed[0],
            fix="keep the challenger's share where it is, improve it and register it again",
            exit_code=EXIT_SHADOW,
        )
    return Outcome(data, shadow_view(data), error=error)
