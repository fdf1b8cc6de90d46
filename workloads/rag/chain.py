"""The chain: guard the question, retrieve, neutralize, generate, guard the answer; one trace per request."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from lakeward.errors import LakewardError
from workloads.rag.catalog import ChunkCatalog, load_catalog
from workloads.rag.config import RagConfig
from workloads.rag.generation import Generator, make_generator
from workloads.rag.guardrails import REFUSAL, Guardrails
from workloads.rag.prompts import PromptVersion, ensure_prompt
from workloads.rag.retrieval import Embed, Filters, HybridRetriever, Retriever, minilm_embedder
from workloads.rag.tracing import configure_redaction, documents


@dataclass
class Answer:
    """What `lakeward ask --json` prints and the served model returns."""

    question: str
    answer: str
    citations: list[dict]
    fallback: bool
    refused: bool
    guardrails: list[dict]
    prompt: dict
    lineage: dict
    latency_ms: float
    generator: str
    trace_id: str | None = None
    timings_ms: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


class RagChain:
    def __init__(
        self,
        retriever: Retriever,
        generator: Generator,
        guardrails: Guardrails,
        prompt: PromptVersion,
        model: dict | None = None,
        request_log: Path | None = None,
        trace: bool = True,
    ) -> None:
        self.retriever, self.generator = retriever, generator
        self.guardrails, self.prompt, self.model = guardrails, prompt, model or {}
        self.request_log, self.trace = request_log, trace
        if trace:
            configure_redaction()

    def answer(self, question: str, filters: Filters | None = None) -> Answer:
        if not self.trace:
            return self._answer(question, filters, None)
        import mlflow
        from mlflow.entities import SpanType

        with mlflow.start_span(name="rag.answer", span_type=SpanType.CHAIN) as root:
            result = self._answer(question, filters, root)
            root.set_outputs(
                {"answer": result.answer, "citations": result.citations, "fallback": result.fallback}
            )
            root.set_attributes(
                {
                    "prompt.uri": self.prompt.uri,
                    "model": json.dumps(self.model),
                    "index.chunkset": self.retriever.lineage["index"]["chunkset"],
                    "retrieval.backend": self.retriever.backend,
                    "refused": result.refused,
                }
            )
            result.trace_id = root.trace_id
        return result

    def _span(self, root, name: str, kind: str):
        import contextlib

        if root is None:
            return contextlib.nullcontext()
        import mlflow

        return mlflow.start_span(name=name, span_type=kind)

    def _answer(self, question: str, filters: Filters | None, root) -> Answer:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        masked, refused, decisions = self.guardrails.check_question(question)
        if root is not None:
            root.set_inputs({"question": masked, "filters": asdict(filters or Filters())})
            with self._span(root, "guardrails.question", "GUARDRAIL") as span:
                span.set_inputs({"question": masked})
                span.set_outputs({"refused": refused, "decisions": [d.as_dict() for d in decisions]})
        vector = None
        if refused:
            text, citations, fallback, generator = REFUSAL, [], True, "guardrails"
        else:
            begin = time.perf_counter()
            with self._span(root, "embed.query", "EMBEDDING"):
                vector = self.retriever.embed([masked])[0]
            timings["embed"] = (time.perf_counter() - begin) * 1000
            begin = time.perf_counter()
            with self._span(root, "retrieve.hybrid", "RETRIEVER") as span:
                retrieval = self.retriever.retrieve(masked, filters, vector)
                if span is not None:
                    span.set_inputs({"query": masked})
                    span.set_outputs(documents(retrieval.contexts))
                    span.set_attributes(
                        {
                            "dropped_duplicates": len(retrieval.dropped_duplicates),
                            "over_budget": len(retrieval.over_budget),
                        }
                    )
            timings["retrieve"] = (time.perf_counter() - begin) * 1000
            with self._span(root, "guardrails.context", "GUARDRAIL") as span:
                contexts, found = self.guardrails.clean_contexts(retrieval.contexts)
                decisions += found
                if span is not None:
                    span.set_outputs({"decisions": [d.as_dict() for d in found]})
            begin = time.perf_counter()
            with self._span(root, "generate", "LLM") as span:
                generation = self.generator.generate(masked, contexts, self.prompt)
                if span is not None:
                    span.set_inputs(
                        {
                            "question": masked,
                            "chunks": [c.chunk_id for c in contexts],
                            "prompt": self.prompt.uri,
                        }
                    )
                    span.set_outputs({"text": generation.text, "fallback": generation.fallback})
            timings["generate"] = (time.perf_counter() - begin) * 1000
            with self._span(root, "guardrails.answer", "GUARDRAIL") as span:
                generation, found = self.guardrails.check_answer(generation, contexts)
                decisions += found
                if span is not None:
                    span.set_outputs({"decisions": [d.as_dict() for d in found]})
            by_id = {c.chunk_id: c for c in contexts}
            citations = [
                {
                    "chunk_id": c,
                    "doc_id": by_id[c].doc_id,
                    "source": by_id[c].source,
                    "title": by_id[c].title,
                    "score": round(by_id[c].score, 6),
                }
                for c in generation.citations
                if c in by_id
            ]
            text, fallback, generator = generation.text, generation.fallback, generation.generator
            refused = any(d.action == "refuse" for d in found)
        latency = (time.perf_counter() - started) * 1000
        answer = Answer(
            question=masked,
            answer=text,
            citations=citations,
            fallback=fallback,
            refused=refused,
            guardrails=[d.as_dict() for d in decisions],
            prompt={"name": self.prompt.name, "version": self.prompt.version, "uri": self.prompt.uri},
            lineage={**self.retriever.lineage, "model": self.model},
            latency_ms=round(latency, 3),
            generator=generator,
            timings_ms={k: round(v, 3) for k, v in timings.items()},
        )
        self._log_request(answer, vector)
        return answer

    def _log_request(self, answer: Answer, vector: np.ndarray | None) -> None:
        """Append the request's statistics (no text) for `lakeward monitor`."""
        if self.request_log is None:
            return
        record = {
            "at": datetime.now(UTC).isoformat(),
            "fallback": answer.fallback,
            "refused": answer.refused,
            "latency_ms": answer.latency_ms,
            "answer_chars": len(answer.answer),
            "citations": len(answer.citations),
            "embedding": None if vector is None else [round(float(x), 5) for x in vector],
        }
        self.request_log.parent.mkdir(parents=True, exist_ok=True)
        with self.request_log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def make_retriever(config: RagConfig, catalog: ChunkCatalog | None, embed: Embed | None = None) -> Retriever:
    """The backend `retrieval.backend` names: the local index of `catalog`, or Vector Search."""
    embed = embed or minilm_embedder()
    if config.retrieval.backend == "vector_search":
        from workloads.rag.vector_search import vector_search_retriever

        return vector_search_retriever(config, embed)
    if catalog is None:
        raise LakewardError(
            "the local backend needs the pipeline's index",
            field="retrieval.backend",
            fix="run `lakeward pipeline run` first, or set retrieval.backend: vector_search",
        )
    return HybridRetriever(catalog, embed, config.retrieval)


def assemble(
    retriever: Retriever,
    config: RagConfig,
    prompt: PromptVersion,
    model: dict | None = None,
    request_log: Path | None = None,
    trace: bool = True,
) -> RagChain:
    """A chain from its parts: the same wiring for the CLI, the evaluation and the served model."""
    return RagChain(
        retriever,
        make_generator(config.generation),
        Guardrails(config.guardrails),
        prompt,
        model,
        request_log,
        trace,
    )


def build_chain(lakehouse: Path, config: RagConfig, tracking: Path, trace: bool = True) -> RagChain:
    """The chain over the configured backend (the index the pipeline built in `lakehouse`, or Vector
    Search), with MLflow in `tracking`."""
    from workloads.rag.tracking import use_tracking

    use_tracking(tracking)
    catalog = load_catalog(lakehouse, config) if config.retrieval.backend == "local" else None
    return assemble(
        make_retriever(config, catalog),
        config,
        ensure_prompt(),
        request_log=tracking / "requests.jsonl",
        trace=trace,
    )
