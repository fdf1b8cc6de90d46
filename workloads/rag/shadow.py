"""Shadow evaluation: replay recent requests against the challenger and the champion, offline, and
compare what each answers.

The requests come from the endpoint's inference table (already redacted by the AI gateway's PII
guardrail), exported locally as JSON lines or read as a Delta folder. A row carries the columns of the
AI-gateway-enabled inference table (https://docs.databricks.com/aws/en/ai-gateway/inference-tables,
"Inference table schema"): `databricks_request_id`, `request_time`, `status_code`, `request` (the
request body as JSON text), `response`, `served_entity_id`, `execution_duration_ms`, `requester`. The
question is read from the body as the model server accepts it (`dataframe_records`,
`dataframe_split` or `inputs` with a `question` column); rows whose body holds none are counted as
skipped. No question or answer text reaches the report: it holds aggregates and request IDs.

Per version: groundedness (sentences a cited chunk supports), citation validity (citation markers in
the answer that name a retrieved chunk), refusal rate, latency p95 and estimated cost per request (4
characters a token over the question, the cited chunks and the answer, at the configured price).
Between them: answer agreement, the mean token F1 of the two answers (both falling back counts as
agreement, one alone as none).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from workloads.rag.config import ShadowThresholds

EXIT_SHADOW = 4
CHARS_PER_TOKEN = 4
LATENCY_SLACK_MS = 50.0
FIX = "pass an inference table export: JSON lines (or a Delta folder) with `request` bodies"


@dataclass(frozen=True)
class Replay:
    request_id: str
    question: str


@dataclass(frozen=True)
class ShadowCheck:
    metric: str
    champion: float
    challenger: float
    operator: str
    threshold: float
    passed: bool


@dataclass
class ShadowReport:
    model: str
    champion: int
    challenger: int
    requests: int
    skipped: int
    metrics: dict[str, dict[str, float]]
    checks: list[ShadowCheck] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_json(self) -> dict:
        return {**asdict(self), "passed": self.passed}


def _question(body: Any) -> str | None:
    """The first question in a model-server request body."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    if not isinstance(body, dict):
        return None
    records = body.get("dataframe_records") or body.get("inputs")
    if isinstance(records, dict):
        records = [records]
    if isinstance(records, list) and records and isinstance(records[0], dict):
        question = records[0].get("question")
        return question if isinstance(question, str) and question.strip() else None
    split = body.get("dataframe_split")
    if isinstance(split, dict) and "question" in (split.get("columns") or []):
        rows = split.get("data") or []
        if rows and isinstance(rows[0], list):
            question = rows[0][split["columns"].index("question")]
            return question if isinstance(question, str) and question.strip() else None
    return None


def _rows(path: Path) -> list[dict]:
    if path.is_dir():
        from deltalake import DeltaTable
        from deltalake.exceptions import TableNotFoundError

        try:
            return DeltaTable(str(path)).to_pyarrow_table().to_pylist()
        except TableNotFoundError:
            raise LakewardError("not a Delta table", source=str(path), field="--requests", fix=FIX) from None
    if not path.is_file():
        raise LakewardError("does not exist", source=str(path), field="--requests", fix=FIX)
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if not isinstance(row, dict):
            raise LakewardError(
                f"line {number} is not a JSON object", source=str(path), field="--requests", fix=FIX
            )
        rows.append(row)
    return rows


def read_replays(path: Path, limit: int) -> tuple[list[Replay], int]:
    """The last `limit` requests (by `request_time`) with a question, and how many rows had none."""
    if limit < 1:
        raise LakewardError(f"{limit} requests", field="--max-requests", fix="replay 1 or more requests")
    rows = sorted(_rows(path), key=lambda row: str(row.get("request_time") or ""))
    replays, skipped = [], 0
    for index, row in enumerate(rows):
        question = _question(row.get("request"))
        if question is None:
            skipped += 1
            continue
        replays.append(Replay(str(row.get("databricks_request_id") or f"row-{index}"), question))
    if not replays:
        raise LakewardError("holds no replayable request", source=str(path), field="--requests", fix=FIX)
    return replays[-limit:], skipped


@dataclass
class _Tally:
    grounded: int = 0
    sentences: int = 0
    valid_cites: int = 0
    cites: int = 0
    refused: int = 0
    latency: list[float] = field(default_factory=list)
    tokens: list[float] = field(default_factory=list)

    def add(self, answer: dict, chunk_text: dict[str, str]) -> None:
        from workloads.rag import metrics
        from workloads.rag.generation import CITATION

        self.latency.append(float(answer["latency_ms"]))
        self.refused += bool(answer["refused"])
        cited = {c["chunk_id"] for c in answer["citations"]}
        context = sum(len(chunk_text.get(c, "")) for c in cited)
        chars = len(answer["question"]) + context + len(answer["answer"])
        self.tokens.append(chars / CHARS_PER_TOKEN)
        if answer["fallback"]:
            return
        good, total = metrics.groundedness(answer["answer"], chunk_text)
        self.grounded, self.sentences = self.grounded + good, self.sentences + total
        markers = CITATION.findall(answer["answer"])
        self.valid_cites += sum(marker in cited for marker in markers)
        self.cites += len(markers)

    def summary(self, requests: int, price_per_1k: float) -> dict[str, float]:
        from workloads.rag import metrics

        tokens = sum(self.tokens) / requests
        return {
            "groundedness": round(self.grounded / self.sentences, 4) if self.sentences else 1.0,
            "citation_validity": round(self.valid_cites / self.cites, 4) if self.cites else 1.0,
            "refusal_rate": round(self.refused / requests, 4),
            "latency_p95_ms": round(metrics.percentile(self.latency, 95), 3),
            "tokens_per_request": round(tokens, 1),
            "cost_per_request": round(tokens / 1000 * price_per_1k, 6),
        }


Answerer = Callable[[str], dict]


def agreement(champion: dict, challenger: dict) -> float:
    from workloads.rag.generation import CITATION
    from workloads.rag.metrics import token_f1

    if champion["fallback"] or challenger["fallback"]:
        return 1.0 if champion["fallback"] == challenger["fallback"] else 0.0
    return token_f1(challenger["answer"], CITATION.sub(" ", champion["answer"]))


def compare(
    replays: list[Replay],
    champion: Answerer,
    challenger: Answerer,
    chunk_text: dict[str, str],
    limits: ShadowThresholds,
) -> tuple[dict[str, dict[str, float]], list[ShadowCheck], list[str]]:
    """Both versions' metrics over `replays`, the checks of the challenger against the champion and
    the request IDs whose answers disagree (token F1 under the agreement threshold)."""
    tallies = {"champion": _Tally(), "challenger": _Tally()}
    agreements, disagreements = [], []
    for replay in replays:
        first, second = champion(replay.question), challenger(replay.question)
        tallies["champion"].add(first, chunk_text)
        tallies["challenger"].add(second, chunk_text)
        score = agreement(first, second)
        agreements.append(score)
        if score < limits.min_answer_agreement:
            disagreements.append(replay.request_id)
    price = limits.price_per_1k_tokens
    summary = {side: tally.summary(len(replays), price) for side, tally in tallies.items()}
    mean_agreement = round(sum(agreements) / len(agreements), 4)
    summary["challenger"]["answer_agreement"] = mean_agreement
    old, new = summary["champion"], summary["challenger"]

    def check(metric: str, operator: str, threshold: float, value: float | None = None) -> ShadowCheck:
        got = new[metric] if value is None else value
        passed = got >= threshold if operator == ">=" else got <= threshold
        return ShadowCheck(metric, old.get(metric, 1.0), got, operator, round(threshold, 6), passed)

    cost_metric = "cost_per_request" if price else "tokens_per_request"
    checks = [
        check("answer_agreement", ">=", limits.min_answer_agreement),
        check("groundedness", ">=", old["groundedness"] - limits.max_groundedness_drop),
        check("citation_validity", ">=", old["citation_validity"] - limits.max_citation_validity_drop),
        check("refusal_rate", "<=", old["refusal_rate"] + limits.max_refusal_rate_rise),
        check(
            "latency_p95_ms", "<=", old["latency_p95_ms"] * limits.max_latency_p95_ratio + LATENCY_SLACK_MS
        ),
        check(cost_metric, "<=", old[cost_metric] * limits.max_cost_ratio),
    ]
    return summary, checks, disagreements


def registered_chain(name: str, alias: str) -> Any:
    """The chain inside the registered pyfunc model under `alias` (no request log, no traces)."""
    import mlflow

    return mlflow.pyfunc.load_model(f"models:/{name}@{alias}").unwrap_python_model().chain


def chunk_texts(*chains: Any) -> dict[str, str]:
    """Chunk ID to text over the catalogs the chains answer from."""
    text: dict[str, str] = {}
    for chain in chains:
        catalog = getattr(chain.retriever, "catalog", None)
        if catalog is None:
            raise LakewardError(
                "shadow evaluation reads cited chunks from the local index",
                field="retrieval.backend",
                fix="replay with the local backend (retrieval.backend: local)",
            )
        meta = catalog.metadata
        text.update(zip(meta.column("chunk_id").to_pylist(), meta.column("text").to_pylist(), strict=True))
    return text
