"""Ranking and answer metrics, computed in code (no LLM judge)."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from workloads.rag.generation import CITATION, sentences, terms


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    gains = [relevant.get(doc, 0) for doc in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    wanted = {d for d, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def mrr_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    for rank, doc in enumerate(ranked[:k], start=1):
        if relevant.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def documents_in_order(doc_ids: list[str]) -> list[str]:
    """Chunk hits to a document ranking: each document at its best chunk's rank."""
    return list(dict.fromkeys(doc_ids))


def token_f1(answer: str, reference: str) -> float:
    """SQuAD-style token F1 between an answer (citations removed) and a reference answer."""
    predicted = re.findall(r"[a-z0-9]+", re.sub(r"\[[0-9a-f]{8,}\]", " ", answer.lower()))
    expected = re.findall(r"[a-z0-9]+", reference.lower())
    common = sum((Counter(predicted) & Counter(expected)).values())
    if not predicted or not expected or not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def supported(sentence: str, evidence: str, threshold: float = 0.8) -> bool:
    """A sentence is supported when at least `threshold` of its content words occur in the evidence."""
    words = set(terms(sentence))
    return bool(words) and len(words & set(terms(evidence))) / len(words) >= threshold


def answer_sentences(answer: str) -> list[tuple[str, list[str]]]:
    """(sentence without citations, chunk IDs cited right after it) for each sentence of an answer."""
    parts = re.split(r"(?<=\])\s+(?=[^\[])", answer)
    out = []
    for part in parts:
        for text in sentences(CITATION.sub("", part)) or [CITATION.sub("", part).strip()]:
            if text:
                out.append((text, CITATION.findall(part)))
    return out


def groundedness(answer: str, chunk_text: dict[str, str]) -> tuple[int, int]:
    """(supported sentences, sentences): a sentence counts when one of the chunks it cites supports it."""
    pairs = answer_sentences(answer)
    good = sum(any(supported(text, chunk_text.get(c, "")) for c in cites) for text, cites in pairs)
    return good, len(pairs)
