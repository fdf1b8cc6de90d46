"""Find PII in texts: Presidio's analyzer over batched spaCy (`nlp.pipe`), then one clean-up pass.

`detector()` builds the analyzer once per process (loading spaCy takes about a second), so a Spark
executor's Python worker builds it on its first batch and reuses it for the rest.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult

from workloads.config import PII_TYPES
from workloads.privacy.nlp import LANGUAGE, LocalSpacyNlpEngine
from workloads.privacy.recognizers import custom_recognizers, library_recognizers

_RANK = {
    **dict.fromkeys(("CLOUD_ACCESS_KEY", "EMAIL_ADDRESS", "IBAN_CODE", "CREDIT_CARD", "US_SSN"), 0),
    **dict.fromkeys(("IP_ADDRESS", "PASSPORT", "MEDICAL_RECORD_NUMBER", "BANK_ACCOUNT"), 1),
    **dict.fromkeys(("DATE_OF_BIRTH",), 1),
    **dict.fromkeys(("STREET_ADDRESS", "PHONE_NUMBER"), 2),
    "PERSON": 3,
}
"""When findings overlap the lower rank wins: validated and structured kinds beat NER guesses."""
for _name in ("presidio-analyzer", "presidio-anonymizer", "decision_process"):
    # their debug records quote the text around a finding ("Context list is: ..."): raw values
    logging.getLogger(_name).setLevel(logging.WARNING)
MIN_TEXTS_PER_PROCESS = 64
"""Fewer texts than this per extra process and forking costs more than it saves."""


@dataclass(frozen=True, slots=True)
class Finding:
    type: str
    start: int
    end: int
    score: float


_TITLE = re.compile(r"^(?:Dr|Mr|Mrs|Ms|Prof|Hi|Hello|Dear|Patient|Customer|Employee|User)\.?\s+")
_NOT_A_NAME = re.compile(r"[\d@/<>_|#=+]|\b[A-Z]{2,}\b|\b\w+[A-Z]\b")
"""Digits or symbols, an all-caps word (RNA, MRN) or one ending in a capital (CsA): not a name."""
_NAME_BREAK = re.compile(r"\s*(?:->|→|=>|\n|:|;|\||\s-\s|\()\s*")


def _written_lowercase(text: str, word: str) -> bool:
    """As a word of the prose, not inside an address or an identifier (`emi.sato@example.jp`)."""
    return re.search(rf"(?<![\w.@/-]){re.escape(word.lower())}(?![\w@/-]|\.\w)", text) is not None


def _person_pieces(text: str, result: RecognizerResult) -> list[RecognizerResult]:
    """spaCy's person spans run across separators ("A -> B\\n- Deployed"): split them, trim titles and
    greetings, drop pieces with digits or symbols, and drop a lone word that opens a line (usually the
    first word of a label) or that, guessed by the model, the text also writes in lower case ("Lane"
    beside "a lane", "Restart" beside "the restart")."""
    guessed = (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY) != "PersonCue"
    pieces = []
    span = text[result.start : result.end]
    position, after_newline = 0, False
    for match in [*_NAME_BREAK.finditer(span), None]:
        start, piece = result.start + position, span[position : match.start() if match else len(span)]
        title = _TITLE.match(piece)
        if title:
            start, piece = start + title.end(), piece[title.end() :]
        piece = piece.rstrip(" ,.;-")
        name_like = bool(piece) and not _NOT_A_NAME.search(piece) and piece[:1].isupper()
        if " " not in piece and (after_newline or (guessed and _written_lowercase(text, piece))):
            name_like = False
        if name_like:
            pieces.append(RecognizerResult(result.entity_type, start, start + len(piece), result.score))
        if match:
            position, after_newline = match.end(), "\n" in match.group(0)
    return pieces


def _plausible_phone(text: str, result: RecognizerResult) -> bool:
    """phonenumbers takes bare digit runs, pieces of ids ("PO-08180"), confidence intervals and
    Luhn-invalid card numbers for phone numbers."""
    value = text[result.start : result.end]
    digits = re.sub(r"\D", "", value)
    if len(digits) < 7:
        return False
    before, after = text[max(0, result.start - 2) : result.start], text[result.end : result.end + 2]
    if re.search(r"[A-Za-z#]-?$", before) or re.match(r"^-?[A-Za-z]", after):
        return False
    if re.search(r"\d\.\d+\s*[-\u2013]\s*\d+\.\d", value):  # a decimal range (hyphen or en dash)
        return False
    if len(digits) >= 13 and re.fullmatch(r"\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}", value):
        return False
    formatted = value.startswith(("+", "(")) or bool(re.search(r"[\s.-]", value))
    return formatted or result.score > 0.4  # a bare digit run needs a phone context word


def resolve(text: str, results: Iterable[RecognizerResult]) -> list[Finding]:
    """Clean person and phone findings, then drop overlaps by rank, score and length."""
    cleaned: list[RecognizerResult] = []
    for result in results:
        if result.entity_type == "PERSON":
            cleaned.extend(_person_pieces(text, result))
        elif result.entity_type != "PHONE_NUMBER" or _plausible_phone(text, result):
            cleaned.append(result)
    ranked = sorted(cleaned, key=lambda r: (_RANK.get(r.entity_type, 4), -r.score, r.start - r.end))
    kept: list[RecognizerResult] = []
    for result in ranked:
        if all(result.end <= k.start or result.start >= k.end for k in kept):
            kept.append(result)
    return [
        Finding(r.entity_type, r.start, r.end, round(float(r.score), 3)) for r in sorted(kept, key=_start)
    ]


def _start(result: RecognizerResult) -> int:
    return int(result.start)


def build_analyzer() -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for recognizer in (*library_recognizers(), *custom_recognizers()):
        registry.add_recognizer(recognizer)
    nlp_engine = LocalSpacyNlpEngine()
    nlp_engine.load()
    return AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=[LANGUAGE])


class Detector:
    """Batched analysis over one analyzer: spaCy runs through `nlp.pipe`, in `processes` processes."""

    def __init__(self, analyzer: AnalyzerEngine | None = None) -> None:
        self.analyzer = analyzer or build_analyzer()

    def analyze(
        self,
        texts: Sequence[str],
        entities: Sequence[str] = PII_TYPES,
        threshold: float = 0.4,
        processes: int = 1,
    ) -> list[list[Finding]]:
        """Findings per text, in text order; `processes` is capped so each gets enough texts."""
        processes = max(1, min(processes, len(texts) // MIN_TEXTS_PER_PROCESS))
        found = []
        batches = self.analyzer.nlp_engine.process_batch(
            list(texts), language=LANGUAGE, batch_size=32, n_process=processes
        )
        for text, artifacts in batches:
            results = self.analyzer.analyze(
                text=text,
                language=LANGUAGE,
                entities=list(entities),
                nlp_artifacts=artifacts,
                score_threshold=threshold,
            )
            found.append(resolve(text, results))
        return found


@cache
def detector() -> Detector:
    """This process's detector, built on first use."""
    return Detector()


def default_processes() -> int:
    """One spaCy process per core but one: this process runs the recognizers on what they return (on 2
    cores a second spaCy process measured slower than one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores - 1)
