"""Wheel entry points of the RAG jobs (python_wheel_task), thin wrappers over the RAG commands' code:

    lakeward-evaluate --lakehouse DIR --questions FILE --catalog C --schema S
    lakeward-release  --lakehouse DIR --catalog C --schema S
    lakeward-monitor  --lakehouse DIR [--recent N] [--psi-max X]

`--catalog`/`--schema` name the tables the index was built from (the RAG configuration's, or the
`--config` file's, are replaced by them). The MLflow store is `<lakehouse>/_mlflow`, as for the CLI.
Each prints one JSON object and exits 0; 2 on bad input, 3 when the monitor finds drift, 4 when the
release gate holds the candidate back (its job fails, naming each metric). The monitor succeeds
without comparing (`"compared": false`) until the request log holds enough requests for both windows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lakeward.errors import LakewardError
from lakeward.output import print_json, run_job
from workloads.rag.config import RagConfig, load_rag_config


def _parser(job: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"lakeward-{job}", description=f"Lakeward RAG job: {job}.")
    parser.add_argument("--lakehouse", type=Path, required=True)
    if job == "evaluate":
        parser.add_argument("--questions", type=Path, required=True)
        parser.add_argument("--answer-questions", type=int, default=50)
    if job == "monitor":
        parser.add_argument("--recent", type=int, default=100)
        parser.add_argument("--psi-max", type=float, default=0.25)
    else:
        parser.add_argument("--catalog", default="llm_dev")
        parser.add_argument("--schema", default="curated")
        parser.add_argument("--config", type=Path, default=None)
    return parser


def _config(args: argparse.Namespace) -> RagConfig:
    return load_rag_config(args.config).model_copy(
        update={"catalog": args.catalog, "schema_name": args.schema}
    )


def evaluate(argv: list[str]) -> dict:
    """Score the model on the held-out questions and register it as `candidate`."""
    from workloads.rag.evaluation import EvalRequest, run_evaluation
    from workloads.rag.tracking import default_tracking

    args = _parser("evaluate").parse_args(argv)
    request = EvalRequest(
        args.lakehouse,
        default_tracking(args.lakehouse),
        questions=args.questions,
        answer_questions=args.answer_questions,
        register=True,
    )
    return run_evaluation(request, _config(args)).to_json()


def release(argv: list[str]) -> dict:
    """Promote `candidate` to `champion` when the thresholds hold; raise naming each failure."""
    from workloads.rag.commands import existing_store
    from workloads.rag.release import failure_message
    from workloads.rag.release import release as gate
    from workloads.rag.tracking import default_tracking

    args = _parser("release").parse_args(argv)
    result = gate(existing_store(default_tracking(args.lakehouse)), _config(args))
    if not result.promoted:
        print_json(result.to_json())
        raise failure_message(result)
    return result.to_json()


def monitor(argv: list[str]) -> dict:
    """Compare the recent requests with the reference window; raise when a signal drifts. Until the
    endpoint has served enough requests for both windows, a run reports that and succeeds: a new
    deploy is not a failure to page anyone about."""
    from workloads.rag.monitor import MIN_WINDOW, compare, drift_error, enough_requests, read_requests
    from workloads.rag.tracking import default_tracking

    args = _parser("monitor").parse_args(argv)
    if args.recent < MIN_WINDOW:
        raise LakewardError(
            f"a recent window of {args.recent} requests is too small",
            field="--recent",
            fix=f"use {MIN_WINDOW} or more",
        )
    log = default_tracking(args.lakehouse) / "requests.jsonl"
    records = read_requests(log) if log.is_file() else []
    if not enough_requests(len(records), args.recent):
        return {"compared": False, "requests": len(records), "needed": args.recent + MIN_WINDOW}
    result = compare(records, args.recent, psi_max=args.psi_max)
    if result.breaches:
        print_json(result.to_json())
        raise drift_error(result)
    return {"compared": True, **result.to_json()}


def evaluate_main() -> None:
    run_job(evaluate, sys.argv[1:])


def release_main() -> None:
    run_job(release, sys.argv[1:])


def monitor_main() -> None:
    run_job(monitor, sys.argv[1:])
