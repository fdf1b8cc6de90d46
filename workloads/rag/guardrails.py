"""Guardrails on the question, the retrieved context and the answer; every block is logged with its reason.

- PII in a question or an answer is masked with the pipeline's masker (or the question is refused).
- Prompt-injection sentences in retrieved chunks are replaced before the generator sees them.
- Blocked terms and toxic wording above the threshold refuse the request.
- Answers must match the declared output format: cited text whose citations are context chunks.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, replace

from workloads.config import PiiConfig
from workloads.pii import scrub_texts
from workloads.rag.config import GuardrailConfig
from workloads.rag.generation import CITATION, Generation, fallback
from workloads.rag.prompts import NEUTRALIZED
from workloads.rag.retrieval import Context

log = logging.getLogger("lakeward.rag.guardrails")
REFUSAL = "I can't help with that request."
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(?:previous|prior|above|earlier|all|any)\b"
    r"[^.!?\n]{0,20}\b(?:instructions?|prompts?|rules|directions)\b"
    r"|\b(?:reveal|print|show|repeat|leak)\b[^.!?\n]{0,30}"
    r"\b(?:system prompt|hidden instructions?|your instructions)"
    r"|\byou are now\b|\bfrom now on,? you\b|\bnew instructions?\s*:"
    r"|^#{2,}\s*(?:system|instruction)",
    re.IGNORECASE | re.MULTILINE,
)
# The same instructions with every separator, space and punctuation removed: what is left when an
# attacker spells `I-g-n-o-r-e p r e v i o u s`, `i.g.n.o.r.e`, or splits words with zero-width spaces.
_INJECTION_COMPACT = re.compile(
    r"(?:ignore|disregard|forget|override)(?:all|any|the|every|of|your)*"
    r"(?:previous|prior|above|earlier|all|any)(?:the|your|of)*(?:instructions?|prompts?|rules|directions)"
    r"|(?:reveal|print|show|repeat|leak)(?:me|us|the|your|all|of)*(?:systemprompt|hiddeninstructions?)"
    r"|youarenow|fromnowonyou|newinstructions"
)
_CONTROL_TOKEN = re.compile(r"<\|[a-z_]{1,20}\|>|\[/?INST\]|<</?SYS>>", re.IGNORECASE)
# A sentence ends at . ! ? followed by a space or the end, so `i.g.n.o.r.e` stays one sentence.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?]+(?![\s]|$))*(?:[.!?]+|\n|$)")
# Look-alike letters (Cyrillic and Greek) and digit or symbol stand-ins, folded to the Latin letter.
_CONFUSABLES = str.maketrans(
    {
        **dict(zip("аеорсухіјѕԁһӏɡνοτικ", "aeopcyxijsdhlgvotik", strict=True)),
        **dict(zip("АВЕЅІЈКМНОРСТХУ", "ABESIJKMHOPCTXY", strict=True)),  # noqa: RUF001
        **dict(zip("0134578@$!|", "oieastbasil", strict=True)),
    }
)
_SEPARATED = re.compile(r"\b(?:\w[\W_]{1,3}){2,}\w\b")
TOXIC_WORDS = frozenset(
    [
        "idiot",
        "idiots",
        "stupid",
        "moron",
        "morons",
        "imbecile",
        "dumb",
        "dumbass",
        "loser",
        "losers",
        "worthless",
        "pathetic",
        "trash",
        "garbage",
        "hate",
        "hateful",
        "shut",
        "scum",
        "jerk",
        "bastard",
        "crap",
        "damn",
        "disgusting",
        "useless",
        "kill",
    ]
)


@dataclass(frozen=True)
class Decision:
    """One guardrail action: where, what, why (never the raw value)."""

    stage: str
    action: str
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


def _record(decision: Decision, decisions: list[Decision]) -> None:
    decisions.append(decision)
    log.warning("guardrail %s on %s: %s", decision.action, decision.stage, decision.reason)


def toxicity(text: str) -> float:
    """Share of words that are insults or threats (a lexicon score; no model ships offline)."""
    words = re.findall(r"[a-z]+", text.lower())
    return sum(w in TOXIC_WORDS for w in words) / len(words) if words else 0.0


def blocked_terms(text: str, terms: list[str]) -> list[str]:
    return sorted(
        t for t in terms if re.search(rf"(?<![A-Za-z0-9_]){re.escape(t)}(?![A-Za-z0-9_])", text, re.I)
    )


def mask_pii(text: str) -> tuple[str, dict[str, int]]:
    [(masked, counts)] = scrub_texts([text], PiiConfig())
    return masked, dict(sorted(counts.items()))


class Guardrails:
    def __init__(self, config: GuardrailConfig) -> None:
        self.config = config

    def check_question(self, question: str) -> tuple[str, bool, list[Decision]]:
        """(question to use, refused?, decisions). The returned question never holds detected PII."""
        decisions: list[Decision] = []
        masked, counts = mask_pii(question)
        if counts:
            kinds = ", ".join(f"{k} x{n}" for k, n in counts.items())
            action = "refuse" if self.config.pii == "refuse" else "mask"
            _record(Decision("question", action, f"PII in the question ({kinds})"), decisions)
            if action == "refuse":
                return masked, True, decisions
        blocked = blocked_terms(masked, self.config.blocked_terms)
        if blocked:
            _record(Decision("question", "refuse", f"blocked terms: {', '.join(blocked)}"), decisions)
            return masked, True, decisions
        score = toxicity(masked)
        if score > self.config.toxicity_threshold:
            _record(
                Decision(
                    "question", "refuse", f"toxicity {score:.2f} above {self.config.toxicity_threshold:.2f}"
                ),
                decisions,
            )
            return masked, True, decisions
        return masked, False, decisions

    def clean_contexts(self, contexts: list[Context]) -> tuple[list[Context], list[Decision]]:
        """Replace each sentence that reads like an instruction to the model; log which chunk had it."""
        decisions: list[Decision] = []
        cleaned = []
        for context in contexts:
            text, count = neutralize(context.text)
            if count:
                _record(
                    Decision(
                        "context",
                        "neutralize",
                        f"{count} prompt-injection sentence(s) in chunk {context.chunk_id}",
                    ),
                    decisions,
                )
                context = replace(context, text=text)
            cleaned.append(context)
        return cleaned, decisions

    def check_answer(
        self, generation: Generation, contexts: list[Context]
    ) -> tuple[Generation, list[Decision]]:
        """Mask PII, refuse blocked or toxic answers, and enforce the cited-text format."""
        decisions: list[Decision] = []
        if generation.fallback:
            return generation, decisions
        text, counts = mask_pii(generation.text)
        if counts:
            kinds = ", ".join(f"{k} x{n}" for k, n in counts.items())
            _record(Decision("answer", "mask", f"PII in the answer ({kinds})"), decisions)
            generation = replace(generation, text=text)
        blocked = blocked_terms(generation.text, self.config.blocked_terms)
        if blocked:
            _record(Decision("answer", "refuse", f"blocked terms: {', '.join(blocked)}"), decisions)
            return replace(fallback(generation.generator, "blocked"), text=REFUSAL), decisions
        score = toxicity(generation.text)
        if score > self.config.toxicity_threshold:
            _record(Decision("answer", "refuse", f"toxicity {score:.2f}"), decisions)
            return replace(fallback(generation.generator, "toxic"), text=REFUSAL), decisions
        known = {c.chunk_id for c in contexts}
        unknown = sorted(set(CITATION.findall(generation.text)) - known)
        if unknown:
            _record(
                Decision(
                    "answer", "reformat", f"removed {len(unknown)} citation(s) of chunks not in the context"
                ),
                decisions,
            )
            stripped = CITATION.sub(lambda m: m.group(0) if m.group(1) in known else "", generation.text)
            generation = replace(generation, text=" ".join(stripped.split()))
        if not generation.citations or not CITATION.search(generation.text):
            _record(
                Decision("answer", "block", "answer cites no context chunk (format: cited-text)"), decisions
            )
            return fallback(generation.generator, "uncited"), decisions
        return generation, decisions


def normalize_for_matching(text: str) -> str:
    """Undo the usual obfuscations before matching: compatibility forms (full-width, ligatures),
    combining marks, zero-width and format characters, look-alike letters, digit stand-ins, and letters
    spelled out with separators (`I-g-n-o-r-e`, `i g n o r e`)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Me", "Cf"))
    folded = kept.translate(_CONFUSABLES)
    return _SEPARATED.sub(lambda m: re.sub(r"[\W_]", "", m.group(0)), folded)


def is_injection(sentence: str) -> bool:
    """True when a sentence reads like an instruction to the model, however it is spelled."""
    normalized = normalize_for_matching(sentence)
    if _INJECTION.search(sentence) or _INJECTION.search(normalized):
        return True
    return bool(_INJECTION_COMPACT.search(re.sub(r"[^a-z]", "", normalized.lower())))


def neutralize(text: str) -> tuple[str, int]:
    """Replace chat control tokens and every sentence of `text` that holds instruction-like wording;
    return the text and the number of replacements."""
    text, count = _CONTROL_TOKEN.subn(NEUTRALIZED + " ", text)

    def swap(match: re.Match[str]) -> str:
        nonlocal count
        sentence = match.group(0)
        if sentence.strip() and is_injection(sentence):
            count += 1
            lead = sentence[: len(sentence) - len(sentence.lstrip())]
            trail = "\n" if sentence.endswith("\n") else ""
            return f"{lead}{NEUTRALIZED}{trail}"
        return sentence

    return _SENTENCE.sub(swap, text), count
