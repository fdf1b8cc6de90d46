"""Generation: one interface, two generators.

`ExtractiveGenerator` (the offline default) builds the answer from the context sentences that best
cover the question and cites the chunk of each one. `ChatGenerator` calls a Databricks model serving
endpoint or any OpenAI-compatible chat completions API through `ChatClient`. Both return the safe
fallback answer when the context is too thin to support one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from workloads.config import PII_PLACEHOLDER
from workloads.rag.config import GenerationConfig
from workloads.rag.prompts import FALLBACK_ANSWER, NEUTRALIZED, PromptVersion
from workloads.rag.retrieval import Context

CITATION = re.compile(r"\[([0-9a-f]{8,64})\]")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "after",
        "before",
        "after",
        "about",
        "into",
        "than",
        "then",
        "there",
        "these",
        "those",
        "should",
        "would",
        "could",
        "may",
        "our",
        "we",
        "they",
        "them",
        "if",
        "not",
        "no",
    ]
)


@dataclass
class Generation:
    """An answer with the chunk IDs it cites, in order of first citation."""

    text: str
    citations: list[str]
    fallback: bool
    generator: str
    details: dict = field(default_factory=dict)


class Generator(Protocol):
    name: str

    def generate(self, question: str, contexts: list[Context], prompt: PromptVersion) -> Generation: ...


def terms(text: str) -> list[str]:
    """Lower-case content words, crudely stemmed (a trailing plural `s` dropped); PII placeholders are
    not words of the question."""
    words = re.findall(r"[a-z0-9]+", re.sub(PII_PLACEHOLDER, " ", text).lower())
    return [
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        for w in words
        if w not in _STOPWORDS
    ]


def sentences(text: str) -> list[str]:
    """Sentences of a chunk, without Markdown heading lines and without the heading path the chunker
    puts first (one line before a blank line, joined by ` > ` or unpunctuated): it helps retrieval
    but answers nothing."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    first, _, rest = body.strip().partition("\n\n")
    if rest and "\n" not in first and (" > " in first or not re.search(r"[.!?]$", first)):
        body = rest
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"(\[])|\n{2,}", body)
    return [" ".join(p.split()) for p in parts if len(p.split()) >= 3 and NEUTRALIZED not in p]


def cited(text: str, allowed: set[str]) -> list[str]:
    """Chunk IDs cited in `text` that belong to the context, in order of first citation."""
    order: list[str] = []
    for chunk in CITATION.findall(text):
        if chunk in allowed and chunk not in order:
            order.append(chunk)
    return order


def fallback(generator: str, reason: str) -> Generation:
    return Generation(FALLBACK_ANSWER, [], True, generator, {"reason": reason})


class ExtractiveGenerator:
    """Answers with the best-supported context sentences, each followed by its chunk ID."""

    name = "extractive"

    def __init__(self, config: GenerationConfig) -> None:
        self.config = config

    def generate(self, question: str, contexts: list[Context], prompt: PromptVersion) -> Generation:
        wanted = set(terms(question))
        if not wanted or not contexts:
            return fallback(self.name, "no question terms" if not wanted else "no context")
        candidates = [(c, s) for c in contexts for s in sentences(c.text)]
        frequency = Counter(t for _, s in candidates for t in set(terms(s)))
        weight = {t: math.log(1 + (len(candidates) + 1) / (1 + frequency[t])) for t in wanted}
        total = sum(weight.values())
        scored = []
        for position, (context, sentence) in enumerate(candidates):
            covered = wanted & set(terms(sentence))
            coverage = sum(weight[t] for t in covered) / total
            if coverage >= self.config.min_support:
                scored.append((-coverage, position, context, sentence))
        if not scored:
            return fallback(self.name, f"no sentence covers {self.config.min_support:.0%} of the question")
        chosen = sorted(scored)[: self.config.max_sentences]
        chosen.sort(key=lambda item: item[1])
        seen: set[str] = set()
        parts, citations = [], []
        for _, _, context, sentence in chosen:
            if sentence in seen:
                continue
            seen.add(sentence)
            parts.append(f"{sentence} [{context.chunk_id}]")
            if context.chunk_id not in citations:
                citations.append(context.chunk_id)
        coverage = -min(item[0] for item in chosen)
        return Generation(" ".join(parts), citations, False, self.name, {"coverage": round(coverage, 3)})


class ChatGenerator:
    """Fills the registered prompt with the context and asks a chat completions endpoint."""

    name = "chat"

    def __init__(self, client) -> None:
        self.client = client

    def generate(self, question: str, contexts: list[Context], prompt: PromptVersion) -> Generation:
        if not contexts:
            return fallback(self.name, "no context")
        context_text = "\n\n".join(f"[{c.chunk_id}] ({c.title})\n{c.text}" for c in contexts)
        message = prompt.format(question=question, context=context_text, fallback=FALLBACK_ANSWER)
        text = self.client.complete([{"role": "user", "content": message}]).strip()
        if not text or text.startswith(FALLBACK_ANSWER):
            return fallback(self.name, "the model found no support")
        return Generation(text, cited(text, {c.chunk_id for c in contexts}), False, self.name)


def make_generator(config: GenerationConfig) -> Generator:
    """The configured generator; the chat client reads its token only when it is first used."""
    if config.kind == "extractive":
        return ExtractiveGenerator(config)
    from workloads.rag.chat import ChatClient

    return ChatGenerator(ChatClient.from_config(config))
