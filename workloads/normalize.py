"""Normalization: Unicode NFKC, whitespace, optional lowercasing, a language tag."""

from __future__ import annotations

import re
import unicodedata

import pyarrow as pa

from workloads.config import NormalizeConfig

_STOPWORDS = {
    "en": {"the", "and", "of", "to", "is", "in", "that", "for", "with", "are", "this", "on", "be", "by"},
    "de": {"der", "die", "und", "das", "ist", "nicht", "mit", "ein", "eine", "den", "auf", "für", "zu"},
    "fr": {"le", "la", "les", "et", "des", "est", "une", "pour", "dans", "que", "du", "pas", "sur"},
    "es": {"el", "la", "los", "las", "y", "es", "una", "para", "con", "que", "del", "por", "se"},
    "nl": {"de", "het", "een", "en", "van", "is", "niet", "met", "voor", "op", "dat", "zijn", "te"},
}
_SPACES = re.compile(r"[^\S\n]+")
_WORD = re.compile(r"\w+", flags=re.UNICODE)


def normalize_text(text: str, config: NormalizeConfig) -> str:
    """NFKC, one space between words, paragraphs separated by exactly one blank line."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text.lower() if config.lowercase else text


def detect_language(text: str) -> str:
    """A stopword vote over the first 2,000 characters; `und` when no language wins clearly."""
    words = _WORD.findall(text[:2000].lower())
    scores = {lang: sum(word in stop for word in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= 3 else "und"


def normalize_batch(batch: pa.RecordBatch, config: NormalizeConfig) -> pa.RecordBatch:
    """Stage: normalize `text` and add `language`."""
    texts = [normalize_text(text, config) for text in batch.column("text").to_pylist()]
    columns = {name: batch.column(name) for name in batch.schema.names}
    columns["text"] = pa.array(texts, pa.string())
    columns["language"] = pa.array([detect_language(text) for text in texts], pa.string())
    return pa.RecordBatch.from_pydict(columns)
