"""Typed RAG configuration (YAML or defaults); a bad file names the field and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lakeward.errors import LakewardError


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VectorSearchConfig(Model):
    """Where the vector_search backend queries; credentials come from the environment (the serving
    endpoint's service principal), never from this file."""

    endpoint: str | None = Field(
        default=None,
        description="the Vector Search endpoint (the environment's serving.vector_search_endpoint)",
    )
    index: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$",
        description="catalog.schema.index; default: the index over this configuration's catalog and schema",
    )
    query_type: Literal["HYBRID", "ANN"] = Field(
        default="HYBRID", description="HYBRID (keywords and vectors) or ANN (vectors only) for answers"
    )


class RetrievalConfig(Model):
    candidates: int = Field(default=100, ge=1, le=1000, description="hits taken from BM25 and from HNSW each")
    rrf_k: int = Field(default=60, ge=1, description="the reciprocal rank fusion constant")
    top_k: int = Field(default=6, ge=1, le=50, description="chunks handed to the generator at most")
    context_tokens: int = Field(default=1200, ge=64, description="token budget of the context")
    near_duplicate: float = Field(
        default=0.8, gt=0, le=1, description="word-shingle Jaccard at or above which a chunk is a duplicate"
    )
    max_age_days: float | None = Field(
        default=None, gt=0, description="drop chunks whose source changed longer ago"
    )
    allowed_classifications: list[str] = Field(
        default_factory=lambda: ["public", "internal"], description="classifications answers may use"
    )
    backend: Literal["local", "vector_search"] = Field(
        default="local",
        description="local: the BM25 and HNSW index the pipeline built (carried by the model); "
        "vector_search: the Databricks Vector Search index over the pipeline's tables",
    )
    vector_search: VectorSearchConfig = Field(default_factory=VectorSearchConfig)


class GenerationConfig(Model):
    kind: Literal["extractive", "chat"] = "extractive"
    url: str | None = Field(
        default=None,
        description="chat completions URL: https://HOST/serving-endpoints/NAME/invocations "
        "or https://HOST/v1/chat/completions",
    )
    model: str | None = Field(default=None, description="the `model` field of OpenAI-compatible requests")
    token: str | None = Field(
        default=None, description="env:VARIABLE or secret:SCOPE/KEY (read from the workspace secret scope)"
    )
    timeout_s: float = Field(default=30.0, gt=0)
    retries: int = Field(default=4, ge=0, le=10)
    backoff_s: float = Field(default=0.5, ge=0)
    max_sentences: int = Field(default=3, ge=1, le=10)
    min_support: float = Field(
        default=0.2, ge=0, le=1, description="share of question terms a sentence must cover to be used"
    )


class GuardrailConfig(Model):
    pii: Literal["mask", "refuse"] = "mask"
    blocked_terms: list[str] = Field(default_factory=lambda: ["password", "api_key"])
    toxicity_threshold: float = Field(default=0.15, ge=0, le=1, description="share of toxic words refused")
    output_format: Literal["cited-text"] = "cited-text"
    """Every answer that is not the fallback cites at least one context chunk and no other ID."""


class ReleaseThresholds(Model):
    """What a candidate must show on the held-out evaluation set. Every gate can fail: groundedness
    gates only generators that can make things up (the extractive one copies context sentences, so it
    is grounded by construction and its groundedness is reported, not gated)."""

    min_ndcg_at_10: float = Field(default=0.5, ge=0, le=1, description="hybrid nDCG@10")
    min_recall_at_10: float = Field(default=0.6, ge=0, le=1, description="hybrid recall@10")
    min_correctness: float = Field(
        default=0.3, ge=0, le=1, description="mean token F1 against reference answers, where they exist"
    )
    min_groundedness: float = Field(default=0.9, ge=0, le=1, description="gated for the chat generator")
    min_citation_precision: float = Field(default=0.3, ge=0, le=1)
    max_fallback_rate: float = Field(default=0.5, ge=0, le=1)
    max_latency_p99_ms: float = Field(default=2000.0, gt=0)
    max_regression: float = Field(
        default=0.01, ge=0, le=1, description="how far below the champion's nDCG@10 a candidate may be"
    )


class ShadowThresholds(Model):
    """How far a challenger may fall behind the champion on replayed requests (`lakeward shadow`)."""

    min_answer_agreement: float = Field(
        default=0.3, ge=0, le=1, description="mean token F1 between the two versions' answers"
    )
    max_groundedness_drop: float = Field(default=0.05, ge=0, le=1)
    max_citation_validity_drop: float = Field(default=0.05, ge=0, le=1)
    max_refusal_rate_rise: float = Field(default=0.05, ge=0, le=1)
    max_latency_p95_ratio: float = Field(
        default=1.5, gt=0, description="challenger p95 over champion p95 (plus 50 ms for timer noise)"
    )
    max_cost_ratio: float = Field(
        default=1.25, gt=0, description="challenger cost per request over champion's"
    )
    price_per_1k_tokens: float = Field(
        default=0.0, ge=0, description="what 1,000 tokens cost on the generator's endpoint"
    )


class RagConfig(Model):
    catalog: str = "llm_dev"
    schema_name: str = Field(default="curated", alias="schema")
    model_name: str = "lakeward-rag"
    retrieval: RetrievalConfig = Field(default_factory=RetrievalConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    guardrails: GuardrailConfig = Field(default_factory=GuardrailConfig)
    release: ReleaseThresholds = Field(default_factory=ReleaseThresholds)
    shadow: ShadowThresholds = Field(default_factory=ShadowThresholds)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def index_name(self) -> str:
        """The Vector Search index the vector_search backend queries."""
        from workloads.vector_index import index_name

        return self.retrieval.vector_search.index or index_name(self.catalog, self.schema_name)


def load_rag_config(path: Path | None) -> RagConfig:
    """The defaults, or a YAML file of overrides; a bad file raises `LakewardError` naming the field."""
    if path is None:
        return RagConfig()
    if not path.is_file():
        raise LakewardError("does not exist", source=str(path), field="--config", fix="pass a RAG YAML file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return RagConfig.model_validate(data)
    except yaml.YAMLError as exc:
        raise LakewardError(f"is not YAML ({exc})", source=str(path), fix="fix the YAML syntax") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise LakewardError(
            first["msg"], source=str(path), field=field, fix="see the field's description in docs/rag.md"
        ) from None
