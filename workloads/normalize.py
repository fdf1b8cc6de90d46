"""Normalization: Unicode NFKC, whitespace, optional lowercasing, a language tag, duplicate removal."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict

import numpy as np
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


def simhash(text: str) -> int:
    """64-bit SimHash over word 3-shingles; 0 for texts too short to fingerprint."""
    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + 3]) for i in range(max(0, len(words) - 2))}
    if len(shingles) < 8:
        return 0
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") for s in shingles],
        dtype=np.uint64,
    )
    bits = ((hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)).astype(np.int32)
    votes = (bits * 2 - 1).sum(axis=0)
    return int(sum(1 << i for i in range(64) if votes[i] > 0))


def find_duplicates(table: pa.Table, config: NormalizeConfig) -> dict[str, str]:
    """Map each exact or near-duplicate doc_id to the doc_id it duplicates (the first by doc_id)."""
    order = sorted(range(table.num_rows), key=lambda i: table.column("doc_id")[i].as_py())
    ids = table.column("doc_id").to_pylist()
    texts = table.column("text").to_pylist()
    duplicates: dict[str, str] = {}
    exact: dict[str, str] = {}
    buckets: dict[tuple[int, int], list[tuple[str, int]]] = defaultdict(list)
    for i in order:
        digest = hashlib.sha256(texts[i].encode()).hexdigest()
        if digest in exact:
            if exact[digest] != ids[i]:
                duplicates[ids[i]] = exact[digest]
            continue
        exact[digest] = ids[i]
        fingerprint = simhash(texts[i])
        if not fingerprint:
            continue
        bands = [(band, (fingerprint >> (16 * band)) & 0xFFFF) for band in range(4)]
        match = next(
            (
                other
                for key in bands
                for other, other_print in buckets[key]
                if (fingerprint ^ other_print).bit_count() <= config.near_duplicate_bits
            ),
            None,
        )
        if match is not None and match != ids[i]:
            duplicates[ids[i]] = match
            continue
        for key in bands:
            buckets[key].append((ids[i], fingerprint))
    return duplicates
