"""Duplicate documents: collapse only what is really the same document, and say which and why.

Templated pages, tickets and runbooks share most of their words, so word overlap (SimHash, MinHash)
cannot tell a copy from a sibling. Two rules can, and only they collapse a document:

- `same content`: the texts are equal after case folding, with punctuation and whitespace ignored
  (a copy, a re-save with other line breaks, a re-typed heading);
- `same title and body`: the titles are equal in the same sense and so is everything but the last
  paragraph, which is at most a fifth of either document (a re-export whose footer, stamp or
  signature changed).

The document kept is the first by `doc_id`; each other one maps to it.

The rules compare the documents as written, before PII is masked: a detector that masks a word in one
copy and not in the other (an upper-cased copy, other punctuation around a name) would otherwise keep
copies apart. `duplicate_keys` runs in the prepare stage before the scrub and keeps only SHA-256
digests of those forms, so no raw value goes further than the stage itself.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import pyarrow as pa

_WORD = re.compile(r"\w+", flags=re.UNICODE)
FOOTER_SHARE = 0.2
"""The last paragraph may differ when it holds at most this share of either document's words."""
SAME_CONTENT = "same content"
SAME_TITLE_AND_BODY = "same title and body, other footer"


@dataclass(frozen=True)
class Collapse:
    """One document collapsed into the one it duplicates."""

    doc_id: str
    duplicate_of: str
    rule: str


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _body_key(text: str) -> str | None:
    """Everything but the last paragraph, as words, if that paragraph is a small footer."""
    paragraphs = [words for p in re.split(r"\n\s*\n", text) if (words := _words(p))]
    if len(paragraphs) < 3:
        return None
    body = [word for paragraph in paragraphs[:-1] for word in paragraph]
    footer = len(paragraphs[-1])
    return " ".join(body) if footer <= FOOTER_SHARE * (len(body) + footer) else None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def duplicate_keys(title: str, text: str) -> tuple[str, str | None]:
    """Digests of the two forms the rules compare: the whole content, and title plus body without a
    small footer (None when the document has no such footer)."""
    body = _body_key(text)
    near = _digest(" ".join(_words(title)), body) if body is not None else None
    return _digest(" ".join(_words(text))), near


KEY_FIELDS = [pa.field("content_key", pa.string()), pa.field("near_key", pa.string())]


def with_keys(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Stage: add `content_key` and `near_key` (digests, see `duplicate_keys`) to a batch of documents."""
    keys = [
        duplicate_keys(title, text)
        for title, text in zip(
            batch.column("title").to_pylist(), batch.column("text").to_pylist(), strict=True
        )
    ]
    columns = {name: batch.column(name) for name in batch.schema.names}
    columns["content_key"] = pa.array([k[0] for k in keys], pa.string())
    columns["near_key"] = pa.array([k[1] for k in keys], pa.string())
    return pa.RecordBatch.from_pydict(columns)


def find_duplicates(table: pa.Table) -> dict[str, Collapse]:
    """Map each duplicate doc_id (columns `doc_id`, `content_key`, `near_key`) to its collapse."""
    rows = sorted(
        table.select(["doc_id", "content_key", "near_key"]).to_pylist(), key=lambda row: row["doc_id"]
    )
    first_content: dict[str, str] = {}
    first_body: dict[str, str] = {}
    collapses: dict[str, Collapse] = {}
    for row in rows:
        doc_id, content, near = row["doc_id"], row["content_key"], row["near_key"]
        if content in first_content:
            collapses[doc_id] = Collapse(doc_id, first_content[content], SAME_CONTENT)
        elif near is not None and near in first_body:
            collapses[doc_id] = Collapse(doc_id, first_body[near], SAME_TITLE_AND_BODY)
        else:
            first_content[content] = doc_id
            if near is not None:
                first_body[near] = doc_id
    return collapses
