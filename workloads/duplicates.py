"""Duplicate documents: collapse only what is really the same document, and say which and why.

Templated pages, tickets and runbooks share most of their words, so word overlap (SimHash, MinHash)
cannot tell a copy from a sibling. Two rules can, and only they collapse a document:

- `same content`: the texts are equal after case folding, with punctuation and whitespace ignored
  (a copy, a re-save with other line breaks, a re-typed heading);
- `same title and body`: the titles are equal in the same sense and so is everything but the last
  paragraph, which is at most a fifth of either document (a re-export whose footer, stamp or
  signature changed).

The document kept is the first by `doc_id`; each other one maps to it.
"""

from __future__ import annotations

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


def find_duplicates(table: pa.Table) -> dict[str, Collapse]:
    """Map each duplicate doc_id (columns `doc_id`, `title`, `text`) to its collapse."""
    rows = sorted(table.select(["doc_id", "title", "text"]).to_pylist(), key=lambda row: row["doc_id"])
    first_content: dict[str, str] = {}
    first_body: dict[tuple[str, str], str] = {}
    collapses: dict[str, Collapse] = {}
    for row in rows:
        doc_id, content = row["doc_id"], " ".join(_words(row["text"]))
        body = _body_key(row["text"])
        near = (" ".join(_words(row["title"])), body) if body is not None else None
        if content in first_content:
            collapses[doc_id] = Collapse(doc_id, first_content[content], SAME_CONTENT)
        elif near is not None and near in first_body:
            collapses[doc_id] = Collapse(doc_id, first_body[near], SAME_TITLE_AND_BODY)
        else:
            first_content[content] = doc_id
            if near is not None:
                first_body[near] = doc_id
    return collapses
