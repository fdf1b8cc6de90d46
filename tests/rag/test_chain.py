"""The chain over a lakehouse the pipeline built: filters, duplicates, budget, answers, traces, lineage."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pytest

from workloads.rag.lineage import explain
from workloads.rag.prompts import FALLBACK_ANSWER
from workloads.rag.retrieval import Filters, HybridRetriever

from .corpus import INJECTION
from .test_guardrails import PII


def docs(retriever: HybridRetriever, question: str, filters: Filters | None = None) -> list[str]:
    return [c.doc_id for c in retriever.retrieve(question, filters).contexts]


def test_hybrid_ranks_the_answering_document_first(chain) -> None:
    assert docs(chain.retriever, "How long are audit logs kept?")[0].startswith("acme/policies/retention")
    assert docs(chain.retriever, "What is a lane that carriers bid on?")[0] == "globex/faq/lanes.md"


def test_pre_filters_tenant_source_classification_and_age(chain) -> None:
    retriever = chain.retriever
    assert set(docs(retriever, "lane carriers quarter", Filters(tenant=("globex",)))) == {
        "globex/faq/lanes.md"
    }
    assert all(d.startswith("acme/") for d in docs(retriever, "lane carriers", Filters(tenant=("acme",))))
    assert set(docs(retriever, "queue restart", Filters(source=("acme/runbooks/*",)))) == {
        "acme/runbooks/dispatch.md"
    }
    assert "acme/restricted/salaries.md" not in docs(retriever, "salary bands for engineers")
    restricted = HybridRetriever(
        chain.retriever.catalog,
        retriever.embed,
        retriever.config.model_copy(update={"allowed_classifications": ["internal", "restricted"]}),
    )
    only = Filters(classification=("restricted",))
    assert docs(restricted, "salary bands for engineers", only) == ["acme/restricted/salaries.md"]
    assert docs(retriever, "audit logs", Filters(max_age_days=30)) != []
    assert docs(retriever, "audit logs", Filters(max_age_days=1e-9)) == []


def test_near_duplicates_are_dropped_and_the_budget_holds(chain) -> None:
    result = chain.retriever.retrieve("How long are audit logs kept?")
    retention = [c for c in result.contexts if c.doc_id.startswith("acme/policies/retention")]
    assert len(retention) == 1 and len(result.dropped_duplicates) == 1
    retriever = chain.retriever
    tight = HybridRetriever(
        retriever.catalog, retriever.embed, retriever.config.model_copy(update={"context_tokens": 80})
    )
    packed = tight.retrieve("How long are audit logs kept?")
    assert sum(c.tokens for c in packed.contexts) <= 80 and packed.over_budget


def test_answers_cite_chunks_and_record_prompt_and_lineage(chain, handbook: Path) -> None:
    answer = chain.answer("When do workspace tokens expire?").to_json()
    assert not answer["fallback"] and "30 days" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "acme/faq/tokens.md"
    assert f"[{answer['citations'][0]['chunk_id']}]" in answer["answer"]
    assert INJECTION not in answer["answer"]
    assert any(g["action"] == "neutralize" for g in answer["guardrails"])
    assert answer["prompt"]["version"] >= 1
    assert mlflow.genai.load_prompt(answer["prompt"]["uri"]).template.startswith("You answer questions")
    path = explain(answer, handbook)[0]
    assert path["source"] == "acme/faq/tokens.md" and path["embedding_model"].startswith(
        "sentence-transformers/"
    )
    assert path["index_chunkset"] == answer["lineage"]["index"]["chunkset"]


def test_thin_context_falls_back(chain) -> None:
    answer = chain.answer("What colour is the CEO's bicycle?")
    assert answer.fallback and answer.answer == FALLBACK_ANSWER and answer.citations == []


def test_traces_carry_spans_and_no_raw_pii(chain, tracking: Path) -> None:
    question = (
        f"How do I rotate a token? Write to {PII['EMAIL_ADDRESS']}, card {PII['CREDIT_CARD']}, "
        f"SSN {PII['US_SSN']}, phone {PII['PHONE_NUMBER']}."
    )
    answer = chain.answer(question)
    assert not answer.fallback and all(v not in answer.question for v in PII.values())
    mlflow.flush_trace_async_logging()
    trace = mlflow.get_trace(answer.trace_id)
    spans = {span.name: span for span in trace.data.spans}
    assert {"rag.answer", "retrieve.hybrid", "generate", "guardrails.question", "guardrails.answer"} <= set(
        spans
    )
    uris = [d["metadata"]["doc_uri"] for d in spans["retrieve.hybrid"].outputs]
    assert "acme/faq/tokens.md" in uris
    assert "mask" in json.dumps(spans["guardrails.question"].outputs)
    stored = trace.to_json()
    for value in PII.values():
        assert value not in stored
    log = (tracking / "requests.jsonl").read_text()
    assert all(value not in log for value in PII.values())
    assert json.loads(log.splitlines()[-1])["embedding"]


def test_redaction_masks_what_reaches_a_span_directly() -> None:
    from workloads.rag.tracing import configure_redaction

    configure_redaction()
    with mlflow.start_span(name="raw") as span:
        span.set_inputs({"note": f"mail {PII['EMAIL_ADDRESS']}", "nested": [PII["US_SSN"]]})
        trace_id = span.trace_id
    mlflow.flush_trace_async_logging()
    stored = mlflow.get_trace(trace_id).to_json()
    assert PII["EMAIL_ADDRESS"] not in stored and PII["US_SSN"] not in stored and "[EMAIL_ADDRESS]" in stored


@pytest.mark.parametrize("question", ["What is the admin password?", f"Who is {PII['EMAIL_ADDRESS']}?"])
def test_refusals_and_masks_reach_the_answer(chain, question: str) -> None:
    answer = chain.answer(question)
    assert answer.guardrails and PII["EMAIL_ADDRESS"] not in json.dumps(answer.to_json())
