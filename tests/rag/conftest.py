"""Session fixtures: a handbook lakehouse built by the real pipeline, a SciFact subset evaluated and
registered as a candidate, and MLflow in a temporary sqlite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakeward.workloads.rag.config import RagConfig, RetrievalConfig

from .corpus import write_handbook

SCIFACT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "scifact"
CONFIG = RagConfig(retrieval=RetrievalConfig(classifications={"*/restricted/*": "restricted"}))


@pytest.fixture(scope="session")
def handbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lakehouse whose tables and index the workloads pipeline built from the handbook."""
    from lakeward.workloads.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("handbook")
    lakehouse = root / "lakehouse"
    run_pipeline(write_handbook(root / "corpus"), lakehouse)
    return lakehouse


@pytest.fixture(scope="session")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mlflow")


@pytest.fixture(scope="session")
def chain(handbook: Path, tracking: Path):
    from lakeward.workloads.rag.chain import build_chain

    return build_chain(handbook, CONFIG, tracking)


@pytest.fixture(scope="session")
def scifact_eval(tmp_path_factory: pytest.TempPathFactory):
    """20 SciFact train queries over their documents plus 40 distractors, registered as `candidate`."""
    if not (SCIFACT / "corpus.jsonl").is_file():
        pytest.skip(f"SciFact is not at {SCIFACT}")
    from lakeward.workloads.rag.evaluation import EvalRequest, run_evaluation

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
    return request, run_evaluation(request, RagConfig())
