"""PII masking before anything is chunked or embedded: typed tokens replace the raw values.

Emails, card numbers (Luhn-checked, with or without spaces or dashes), IBANs (ISO 7064 mod-97), US
SSNs, phone numbers and person names introduced by an honorific or a label ("Name:", "Contact:").
No offline NER model ships with the project, so bare names without such a cue are not detected.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable

import pyarrow as pa

from workloads.config import PiiConfig


def luhn_valid(digits: str) -> bool:
    """True for a digit string whose Luhn checksum is 0."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """True for an IBAN whose ISO 7064 mod-97 remainder is 1."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


_NAME = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_PATTERNS: dict[str, tuple[re.Pattern[str], Callable[[re.Match[str]], bool]]] = {
    "email": (
        re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
        lambda m: True,
    ),
    "iban": (
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"),
        lambda m: iban_valid(m.group(0)),
    ),
    "card": (
        re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])"),
        lambda m: luhn_valid(_digits(m.group(0))),
    ),
    "ssn": (re.compile(r"\b(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}\b"), lambda m: True),
    "phone": (
        re.compile(
            r"(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,4}"
            r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\b\d{3}[.-]\d{3}[.-]\d{4})\b"
        ),
        lambda m: 8 <= len(_digits(m.group(0))) <= 15,
    ),
    "name": (
        re.compile(
            rf"(?:\b(?:Mr|Mrs|Ms|Mx|Dr|Prof)\.?\s+|\b(?:Name|Contact|Owner|Employee|Customer|Patient|Reporter)"
            rf"\s*:\s*)(?P<value>{_NAME}(?:\s+{_NAME}){{0,2}})"
        ),
        lambda m: True,
    ),
}


def mask_text(text: str, config: PiiConfig) -> tuple[str, Counter[str]]:
    """Replace every detected value with `[TYPE]`; return the masked text and counts per type."""
    counts: Counter[str] = Counter()
    for kind, (pattern, valid) in _PATTERNS.items():
        if kind not in config.types:
            continue
        token = f"[{kind.upper()}]"

        def replace(match: re.Match[str], kind: str = kind, token: str = token, valid=valid) -> str:
            if not valid(match):
                return match.group(0)
            counts[kind] += 1
            if "value" in match.re.groupindex:
                start, end = match.span("value")
                whole_start = match.start()
                return match.group(0)[: start - whole_start] + token + match.group(0)[end - whole_start :]
            return token

        text = pattern.sub(replace, text)
    return text, counts


def mask_batch(batch: pa.RecordBatch, config: PiiConfig) -> pa.RecordBatch:
    """Stage: mask `text` and `title`; add `pii_counts` (JSON per type) and `pii_total`."""
    texts, titles, counts = [], [], []
    for text, title in zip(batch.column("text").to_pylist(), batch.column("title").to_pylist(), strict=True):
        masked, found = mask_text(text, config)
        masked_title, found_title = mask_text(title, config)
        found.update(found_title)
        texts.append(masked)
        titles.append(masked_title)
        counts.append(found)
    columns = {name: batch.column(name) for name in batch.schema.names}
    columns["text"] = pa.array(texts, pa.string())
    columns["title"] = pa.array(titles, pa.string())
    columns["pii_counts"] = pa.array([json.dumps(dict(sorted(c.items()))) for c in counts], pa.string())
    columns["pii_total"] = pa.array([sum(c.values()) for c in counts], pa.int32())
    return pa.RecordBatch.from_pydict(columns)
