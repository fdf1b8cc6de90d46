"""Chunking sized in the embedding model's tokens, with overlap, never across a heading.

Paragraphs are packed greedily up to the token budget; a paragraph longer than the budget is cut at
token boundaries. Each chunk starts with its section's heading path, cut to at most a sixth of the
budget so that a long heading never eats the chunk, and the next chunk of the same section repeats the
last `overlap_tokens` tokens of the previous one. Every chunk is counted once more as a whole and
halved until it fits the model's window, so no text is truncated before embedding. Chunk IDs are
content addresses: the hash of the chunk text, the chunker configuration and the model version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from workloads.config import ChunkConfig, stable_hash
from workloads.model import MAX_SEQUENCE_TOKENS, SPECIAL_TOKENS, model_version, tokenizer

CHUNK_SCHEMA = pa.schema(
    [
        pa.field("chunk_id", pa.string(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("chunk_index", pa.int32(), nullable=False),
        pa.field("section", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("token_count", pa.int32(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("language", pa.string(), nullable=False),
    ]
)
_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")
HEADING_SHARE = 6
"""The heading path prefix takes at most 1/HEADING_SHARE of a chunk's token limit."""


@dataclass
class _Section:
    path: str
    paragraphs: list[str]


def _sections(text: str) -> list[_Section]:
    stack: list[tuple[int, str]] = []
    sections = [_Section("", [])]
    for block in (b.strip() for b in text.split("\n\n")):
        if not block:
            continue
        heading = _HEADING.match(block.split("\n", 1)[0])
        if heading:
            level, title = len(heading.group(1)), heading.group(2).strip()
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, title)]
            sections.append(_Section(" > ".join(t for _, t in stack), []))
            rest = block.split("\n", 1)[1].strip() if "\n" in block else ""
            if rest:
                sections[-1].paragraphs.append(rest)
        else:
            sections[-1].paragraphs.append(block)
    return [s for s in sections if s.paragraphs]


def _count(text: str) -> int:
    return len(tokenizer().encode(text, add_special_tokens=False).ids) if text else 0


def _tail(text: str, tokens: int) -> str:
    """The last `tokens` tokens of `text`, cut at a token boundary."""
    if tokens <= 0:
        return ""
    offsets = tokenizer().encode(text, add_special_tokens=False).offsets
    return text if len(offsets) <= tokens else text[offsets[-tokens][0] :]


def _word_starts(text: str, offsets: list[tuple[int, int]]) -> list[int]:
    """The tokens that begin a word (the first, and each after white space): cuts go there, never
    inside a word, unless one word alone is longer than a window."""
    return [i for i, (begin, _) in enumerate(offsets) if i == 0 or text[begin - 1].isspace()]


def _split_long(paragraph: str, budget: int, overlap: int) -> list[str]:
    """Windows of at most `budget` tokens, cut between words, each repeating about `overlap` tokens."""
    offsets = tokenizer().encode(paragraph, add_special_tokens=False).offsets
    starts = _word_starts(paragraph, offsets)
    pieces, start = [], 0
    while start + budget < len(offsets):
        end = max((i for i in starts if start < i <= start + budget), default=start + budget)
        pieces.append(paragraph[offsets[start][0] : offsets[end - 1][1]])
        following = [i for i in starts if start < i <= end - overlap] if overlap else []
        start = max(following, default=end)
    pieces.append(paragraph[offsets[start][0] : offsets[-1][1]])
    return pieces


def _heading_prefix(path: str, limit: int) -> str:
    """The heading path and a blank line, the path cut at a token boundary to `limit // HEADING_SHARE`."""
    if not path:
        return ""
    cap = max(1, limit // HEADING_SHARE)
    offsets = tokenizer().encode(path, add_special_tokens=False).offsets
    while len(offsets) > cap:
        path = path[: offsets[cap - 1][1]].rstrip()
        offsets = tokenizer().encode(path, add_special_tokens=False).offsets
    return f"{path}\n\n"


def _fitted(prefix: str, body: str, limit: int) -> list[str]:
    """`prefix + body`, halved at a token boundary (each half keeping the prefix) until every piece
    is at most `limit` tokens: re-tokenizing joined or cut text can count a few tokens more."""
    text = prefix + body
    offsets = tokenizer().encode(body, add_special_tokens=False).offsets
    if len(offsets) < 2 or _count(text) <= limit:
        return [text]
    starts = _word_starts(body, offsets)
    middle_token = min(starts[1:] or [len(offsets) // 2], key=lambda i: abs(i - len(offsets) // 2))
    middle = offsets[middle_token][0]
    return [
        piece
        for half in (body[:middle].rstrip(), body[middle:].lstrip())
        for piece in _fitted(prefix, half, limit)
    ]


def chunk_text(text: str, config: ChunkConfig) -> list[tuple[str, str]]:
    """Split one normalized document into (section path, chunk text) pairs; every chunk text is at
    most `min(max_tokens, the model's window)` tokens."""
    limit = min(config.max_tokens, MAX_SEQUENCE_TOKENS - SPECIAL_TOKENS)
    chunks: list[tuple[str, str]] = []
    for section in _sections(text):
        prefix = _heading_prefix(section.path, limit)
        budget = max(1, limit - _count(prefix))
        overlap = min(config.overlap_tokens, budget // 2)
        current: list[str] = []
        used = 0
        for paragraph in section.paragraphs:
            size = _count(paragraph)
            units = [paragraph] if size <= budget else _split_long(paragraph, budget, overlap)
            for unit in units:
                unit_size = size if len(units) == 1 else _count(unit)
                if current and used + unit_size + 1 > budget:
                    body = "\n\n".join(current)
                    chunks += [(section.path, piece) for piece in _fitted(prefix, body, limit)]
                    carried = _tail(body, overlap) if len(units) == 1 else ""
                    current, used = ([carried], _count(carried)) if carried else ([], 0)
                    if current and used + unit_size + 1 > budget:
                        current, used = [], 0
                current.append(unit)
                used += unit_size + 1
        if current:
            body = "\n\n".join(current)
            chunks += [(section.path, piece) for piece in _fitted(prefix, body, limit)]
    return chunks


def chunk_id(text: str, config: ChunkConfig) -> str:
    """Content address of a chunk: normalized text, chunker configuration, model version."""
    return stable_hash(text, config.fingerprint(), model_version())


def chunk_batch(batch: pa.RecordBatch, config: ChunkConfig) -> pa.RecordBatch:
    """Stage: documents in, chunks out (a document's repeated identical chunks are kept once)."""
    rows: dict[str, list] = {name: [] for name in CHUNK_SCHEMA.names}
    docs = batch.select(["doc_id", "text", "title", "source", "language"]).to_pylist()
    for doc in docs:
        seen: set[str] = set()
        for section, text in chunk_text(doc["text"], config):
            identifier = chunk_id(text, config)
            if identifier in seen:
                continue
            seen.add(identifier)
            rows["chunk_id"].append(identifier)
            rows["doc_id"].append(doc["doc_id"])
            rows["chunk_index"].append(len(seen) - 1)
            rows["section"].append(section)
            rows["text"].append(text)
            rows["token_count"].append(_count(text))
            rows["title"].append(doc["title"])
            rows["source"].append(doc["source"])
            rows["language"].append(doc["language"])
    return pa.RecordBatch.from_pydict(rows, schema=CHUNK_SCHEMA)
