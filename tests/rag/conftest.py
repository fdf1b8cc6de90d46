"""Session fixtures: a handbook lakehouse built by the real pipeline, a SciFact subset evaluated and
registered as a candidate, and MLflow in a temporary sqlite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakeward.locate import scifact_dir, scifact_missing
from workloads.rag.config import RagConfig, ReleaseThresholds

from .corpus import RESTRICTED, write_handbook

SCIFACT = scifact_dir()
# The release tests judge retrieval and answers; latency is judged on a quiet machine, not on a test run.
GATED = RagConfig(release=ReleaseThresholds(max_latency_p99_ms=60_000))
CONFIG = RagConfig()


@pytest.fixture(scope="session")
def handbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lakehouse whose tables and index the workloads pipeline built from the handbook, one run per
    tenant into the same tables."""
    from workloads.config import PipelineConfig, SourceLabels
    from workloads.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("handbook")
    lakehouse = root / "lakehouse"
    for tenant, corpus in write_handbook(root / "corpus").items():
        run_pipeline(corpus, lakehouse, PipelineConfig(labels=SourceLabels(tenant, rules=RESTRICTED)))
    return lakehouse


@pytest.fixture(scope="session")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mlflow")


@pytest.fixture(scope="session")
def chain(handbook: Path, tracking: Path):
    from workloads.rag.chain import build_chain

    return build_chain(handbook, CONFIG, tracking)


@pytest.fixture(scope="session")
def eval_progress() -> dict[str, list[int]]:
    """`{stage: [total, advanced]}` as the SciFact evaluation reported its progress."""
    return {}


@pytest.fixture(scope="session")
def scifact_eval(tmp_path_factory: pytest.TempPathFactory, eval_progress: dict[str, list[int]]):
    """20 SciFact train queries over their documents plus 40 distractors, registered as `candidate`."""
    missing = scifact_missing()
    if missing:
        pytest.skip(missing)
    from workloads.rag.evaluation import EvalRequest, run_evaluation

    root = tmp_path_factory.mktemp("scifact")
    request = EvalRequest(
        lakehouse=root / "lakehouse",
        tracking=root / "mlflow",
        beir=SCIFACT,
        split="train",
        max_queries=20,
        distractors=40,
        answer_questions=20,
        register=True,
    )

    def progress(stage: str, total: int):
        eval_progress[stage] = [total, 0]

        def advance(done: int) -> None:
            eval_progress[stage][1] += done

        return advance

    return request, run_evaluation(request, RagConfig(), progress)


@pytest.fixture(scope="session")
def released(scifact_eval):
    """The SciFact candidate after `release`: promoted to `champion`."""
    from workloads.rag.release import release

    request, result = scifact_eval
    return request, result, release(request.tracking, GATED)


@pytest.fixture(scope="session")
def server(released):
    """`mlflow models serve` on 127.0.0.1 for the champion, started once and always stopped."""
    import socket
    import time
    import urllib.request

    from workloads.rag.serving import server_command, start_server, stop_server

    request, _, _ = released
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command, env = server_command(request.tracking, RagConfig(), "champion", port)
    log = (request.tracking / "server.log").open("w")
    process = start_server(command, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((request.tracking / "server.log").read_text()[-3000:]) from None
                time.sleep(0.5)
        yield url, request
    finally:
        stop_server(process)
        log.close()
