"""MLflow traces for each request, with PII redacted before a span is exported.

The chain only ever puts masked text into spans; `redact_span`, registered as an MLflow span processor,
masks every string in a span's inputs, outputs and attributes once more before the trace is stored.
"""

from __future__ import annotations

from typing import Any

from workloads.rag.guardrails import mask_pii

_CONFIGURED = False


def redact(value: Any) -> Any:
    """`value` with PII masked in every string it holds."""
    if isinstance(value, str):
        return mask_pii(value)[0]
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def redact_span(span) -> None:
    if span.inputs is not None:
        span.set_inputs(redact(span.inputs))
    if span.outputs is not None:
        span.set_outputs(redact(span.outputs))
    for key, value in list((span.attributes or {}).items()):
        if isinstance(value, str) and not key.startswith("mlflow."):
            span.set_attribute(key, redact(value))


def configure_redaction() -> None:
    """Register `redact_span` once per process."""
    global _CONFIGURED
    if not _CONFIGURED:
        import mlflow

        mlflow.tracing.configure(span_processors=[redact_span])
        _CONFIGURED = True


def documents(contexts) -> list:
    """Retriever span outputs in MLflow's document shape, with each chunk's document URI."""
    from mlflow.entities import Document

    return [
        Document(
            page_content=c.text,
            metadata={"doc_uri": c.source, "chunk_id": c.chunk_id, "doc_id": c.doc_id, "score": c.score},
            id=c.chunk_id,
        )
        for c in contexts
    ]
