"""Evaluation: BM25, dense and hybrid retrieval side by side on each backend (the local index always;
Vector Search too when the configuration selects it), then the answers; logged to MLflow.

Questions come from a BEIR folder (`queries.jsonl`, `qrels/<split>.tsv`; the corpus is indexed into
the lakehouse by the pipeline, so embeddings are cached there and a rerun only reads them) or from a
JSONL file of `{"question": ..., "relevant": [doc IDs]}` over a lakehouse the pipeline already built.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lakeward.errors import LakewardError
from workloads.rag import metrics
from workloads.rag.chain import RagChain
from workloads.rag.retrieval import SYSTEMS, Retriever

RECALL_K = (10, 100)
STAGE = {"local": "retrieval", "vector_search": "retrieval (vector search)"}
"""The progress stage of each backend's retrieval evaluation."""


@dataclass
class Question:
    id: str
    text: str
    relevant: dict[str, int]
    reference: str | None = None
    """A reference answer, where the question set has one: answers are scored against it."""


@dataclass
class EvalResult:
    systems: dict[str, dict[str, float]]
    answers: dict[str, float]
    questions: int
    answered: int
    corpus_documents: int
    retrieval_latency_ms: dict[str, float]
    backends: dict[str, dict] = field(default_factory=dict)
    """Per backend evaluated: its `systems` and `retrieval_latency_ms`; the top-level ones are the
    configured backend's."""
    run_id: str | None = None
    model_version: str | None = None
    lineage: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "systems": self.systems,
            "answers": self.answers,
            "questions": self.questions,
            "answered": self.answered,
            "corpus_documents": self.corpus_documents,
            "retrieval_latency_ms": self.retrieval_latency_ms,
            "backends": self.backends,
            "run_id": self.run_id,
            "model_version": self.model_version,
            "lineage": self.lineage,
        }


def _bad(path: Path, message: str, fix: str, field: str = "--beir") -> LakewardError:
    return LakewardError(message, source=str(path), field=field, fix=fix)


def load_beir(folder: Path, split: str) -> list[Question]:
    """The queries of `split` that have relevance judgments, with their judged documents."""
    qrels_path, queries_path = folder / "qrels" / f"{split}.tsv", folder / "queries.jsonl"
    if not queries_path.is_file():
        raise _bad(folder, "has no queries.jsonl", "point --beir at a BEIR dataset folder")
    if not qrels_path.is_file():
        available = sorted(p.stem for p in (folder / "qrels").glob("*.tsv"))
        raise _bad(
            qrels_path,
            "does not exist",
            f"use --split with one of: {', '.join(available) or 'none'}",
            "--split",
        )
    relevant: dict[str, dict[str, int]] = {}
    with qrels_path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            relevant.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    texts = {}
    with queries_path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                texts[str(record["_id"])] = record["text"]
    return [Question(q, texts[q], rel) for q, rel in relevant.items() if q in texts]


def load_questions(path: Path) -> list[Question]:
    """A JSONL file of {"question": ..., "relevant": [doc IDs] or {doc ID: grade}, "reference": "..."}
    (`reference`, a reference answer, is optional)."""
    if not path.is_file():
        raise _bad(path, "does not exist", "pass a JSONL file of questions", "--questions")
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            relevant = record.get("relevant", [])
            grades = relevant if isinstance(relevant, dict) else {str(d): 1 for d in relevant}
            reference = record.get("reference")
            out.append(
                Question(
                    str(record.get("id", number)),
                    str(record["question"]),
                    grades,
                    str(reference) if reference else None,
                )
            )
        except (json.JSONDecodeError, KeyError, AttributeError) as exc:
            raise _bad(
                path,
                f"line {number} is not a question record ({exc})",
                'each line: {"question": "...", "relevant": ["doc-id", ...]}',
                "--questions",
            ) from None
    if not out:
        raise _bad(path, "holds no question", "add JSONL question records", "--questions")
    return out


def subset_corpus(
    folder: Path, questions: list[Question], distractors: int, out: Path, seed: int = 7
) -> Path:
    """Write a corpus.jsonl of the questions' judged documents plus `distractors` others (seeded)."""
    wanted = {doc for q in questions for doc in q.relevant}
    records: list[str] = []
    others: list[str] = []
    with (folder / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                (records if str(record["_id"]) in wanted else others).append(line.rstrip("\n"))
    records += random.Random(seed).sample(others, min(distractors, len(others)))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(sorted(records)) + "\n", encoding="utf-8")
    return out


def _summary(values: dict[str, list[float]]) -> dict[str, float]:
    return {name: round(float(np.mean(v)), 4) if v else 0.0 for name, v in values.items()}


def evaluate_retrieval(
    retriever: Retriever,
    questions: list[Question],
    depth: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """nDCG@10, recall@10/100 and MRR@10 for each system; hybrid latency excluding query embedding.

    Each system ranks `depth` chunks (the configured `candidates` unless given)."""
    depth = depth or retriever.config.candidates
    vectors = retriever.embed([q.text for q in questions])
    scores: dict[str, dict[str, list[float]]] = {s: {} for s in SYSTEMS}
    latency = []
    for question, vector in zip(questions, vectors, strict=True):
        for system in SYSTEMS:
            begin = time.perf_counter()
            hits = retriever.rank(system, question.text, vector, depth)
            if system == "hybrid":
                latency.append((time.perf_counter() - begin) * 1000)
            ranked = metrics.documents_in_order([h.doc_id for h in hits])
            values = scores[system]
            values.setdefault("ndcg@10", []).append(metrics.ndcg_at(ranked, question.relevant, 10))
            for k in RECALL_K:
                values.setdefault(f"recall@{k}", []).append(metrics.recall_at(ranked, question.relevant, k))
            values.setdefault("mrr@10", []).append(metrics.mrr_at(ranked, question.relevant, 10))
        if progress:
            progress(1)
    timing = {
        "p50": round(metrics.percentile(latency, 50), 3),
        "p99": round(metrics.percentile(latency, 99), 3),
    }
    return {system: _summary(values) for system, values in scores.items()}, timing


def evaluate_answers(
    chain: RagChain, questions: list[Question], progress: Callable[[int], None] | None = None
) -> dict[str, float]:
    """Groundedness, citation precision, fallback rate and latency p50/p99 of the chain's answers, and
    correctness (mean token F1 against reference answers) when the questions carry references."""
    good = total = cited = relevant_cited = fallbacks = 0
    latency = []
    correctness: list[float] = []
    for question in questions:
        answer = chain.answer(question.text)
        latency.append(answer.latency_ms)
        if answer.fallback:
            fallbacks += 1
        else:
            text_of = chain.retriever.texts(c["chunk_id"] for c in answer.citations)
            ok, count = metrics.groundedness(answer.answer, text_of)
            good, total = good + ok, total + count
            cited += len(answer.citations)
            relevant_cited += sum(question.relevant.get(c["doc_id"], 0) > 0 for c in answer.citations)
        if question.reference:
            correctness.append(
                0.0 if answer.fallback else metrics.token_f1(answer.answer, question.reference)
            )
        if progress:
            progress(1)
    scores = {
        "groundedness": round(good / total, 4) if total else 0.0,
        "citation_precision": round(relevant_cited / cited, 4) if cited else 0.0,
        "fallback_rate": round(fallbacks / len(questions), 4) if questions else 0.0,
        "latency_p50_ms": round(metrics.percentile(latency, 50), 3),
        "latency_p99_ms": round(metrics.percentile(latency, 99), 3),
    }
    if correctness:
        scores["correctness"] = round(sum(correctness) / len(correctness), 4)
    return scores


def mlflow_metrics(result: EvalResult) -> dict[str, float]:
    """Flat MLflow metric names (`hybrid.ndcg_at_10`, `answers.groundedness`, ...)."""
    flat = {}
    for system, values in result.systems.items():
        for name, value in values.items():
            flat[f"{system}.{name.replace('@', '_at_')}"] = value
    flat.update({f"answers.{name}": value for name, value in result.answers.items()})
    flat.update({f"retrieval.latency_{k}_ms": v for k, v in result.retrieval_latency_ms.items()})
    for backend, measured in result.backends.items():
        for system, values in measured["systems"].items():
            for name, value in values.items():
                flat[f"{backend}.{system}.{name.replace('@', '_at_')}"] = value
    return flat


@dataclass(frozen=True)
class EvalRequest:
    """What `lakeward eval` was asked to do."""

    lakehouse: Path
    tracking: Path
    beir: Path | None = None
    split: str = "train"
    questions: Path | None = None
    max_queries: int | None = None
    distractors: int = 0
    answer_questions: int = 50
    register: bool = False


def _prepare(request: EvalRequest, config, progress) -> tuple[list[Question], object]:
    """The questions and the configuration whose tables hold their corpus (built or refreshed)."""
    from workloads.config import PipelineConfig
    from workloads.pipeline import run_pipeline

    if request.beir is None and request.questions is None:
        raise LakewardError(
            "nothing to evaluate",
            field="--beir/--questions",
            fix="pass --beir DIR (with --split) or --questions FILE",
        )
    if request.beir is None:
        assert request.questions is not None
        return load_questions(request.questions), config
    questions = load_beir(request.beir, request.split)
    if request.max_queries:
        questions = questions[: request.max_queries]
    name = "".join(ch if ch.isalnum() else "_" for ch in request.beir.resolve().name.lower())
    config = config.model_copy(update={"schema_name": f"eval_{name}"})
    corpus = request.beir / "corpus.jsonl"
    if request.max_queries:
        corpus = subset_corpus(
            request.beir, questions, request.distractors, request.lakehouse / "_eval" / name / "corpus.jsonl"
        )
    run_pipeline(
        corpus,
        request.lakehouse,
        PipelineConfig(catalog=config.catalog, schema=config.schema_name),
        progress=progress,
    )
    return questions, config


def run_evaluation(request: EvalRequest, config, progress=None) -> EvalResult:
    """Index (or reuse), evaluate retrieval and answers, log to MLflow; register a candidate if asked."""
    import tempfile

    import mlflow

    from workloads import openlineage
    from workloads.rag import lineage
    from workloads.rag.catalog import load_catalog
    from workloads.rag.chain import assemble, make_retriever
    from workloads.rag.model import log_chain_model
    from workloads.rag.prompts import ensure_prompt
    from workloads.rag.retrieval import HybridRetriever, minilm_embedder
    from workloads.rag.tracking import use_tracking

    progress = progress or (lambda stage, total: lambda done: None)
    questions, config = _prepare(request, config, progress)
    use_tracking(request.tracking)
    catalog = load_catalog(request.lakehouse, config)
    prompt = ensure_prompt()
    local = HybridRetriever(catalog, minilm_embedder(), config.retrieval)
    retrievers: dict[str, Retriever] = {"local": local}
    if config.retrieval.backend != "local":
        retrievers[config.retrieval.backend] = make_retriever(config, None, local.embed)
    chain = assemble(retrievers[config.retrieval.backend], config, prompt, trace=False)
    run_id = openlineage.new_run_id()
    inputs = lineage.catalog_inputs(catalog.lineage)
    openlineage.emit(request.tracking, "lakeward.rag.eval", "START", run_id, inputs, [])
    backends: dict[str, dict] = {}
    for name, retriever in retrievers.items():
        systems, timing = evaluate_retrieval(
            retriever, questions, progress=progress(STAGE[name], len(questions))
        )
        backends[name] = {"systems": systems, "retrieval_latency_ms": timing}
    asked = questions[: request.answer_questions]
    answers = evaluate_answers(chain, asked, progress=progress("answers", len(asked)))
    documents = len(set(catalog.metadata.column("doc_id").to_pylist()))
    chosen = backends[config.retrieval.backend]
    result = EvalResult(
        chosen["systems"],
        answers,
        len(questions),
        len(asked),
        documents,
        chosen["retrieval_latency_ms"],
        backends,
        lineage=chain.retriever.lineage,
    )
    source = str(request.beir or request.questions)
    with mlflow.start_run(run_name=f"eval-{Path(source).name}") as run:
        mlflow.log_params(
            {
                "source": source,
                "split": request.split if request.beir else "",
                "questions": len(questions),
                "corpus_documents": documents,
                "prompt": prompt.uri,
                "generator": config.generation.kind,
                "retrieval.backend": config.retrieval.backend,
            }
        )
        mlflow.log_metrics(mlflow_metrics(result))
        mlflow.set_tags(
            {
                "lakeward.index.chunkset": catalog.lineage["index"]["chunkset"],
                "lakeward.openlineage.run_id": run_id,
            }
        )
        mlflow.log_dict(result.to_json(), "evaluation.json")
        result.run_id = run.info.run_id
        outputs = []
        if request.register:
            with tempfile.TemporaryDirectory() as staging:
                info = log_chain_model(catalog, config, prompt, Path(staging), config.model_name)
            result.model_version = str(info.registered_model_version)
            mlflow.MlflowClient().set_registered_model_alias(
                config.model_name, "candidate", result.model_version
            )
            outputs.append(openlineage.dataset(f"models:/{config.model_name}", version=result.model_version))
    openlineage.emit(request.tracking, "lakeward.rag.eval", "COMPLETE", run_id, inputs, outputs)
    return result
