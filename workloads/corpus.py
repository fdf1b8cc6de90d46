"""Readers: a folder of Markdown, text and HTML files, or a BEIR `corpus.jsonl`, into one Arrow table."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa

from lakeward.errors import LakewardError

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html"}
RAW_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("format", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
    ]
)
_BLOCKS = {"p", "div", "section", "article", "li", "tr", "br", "pre", "blockquote", "table", "ul", "ol"}
_SKIP = {"script", "style", "head", "nav", "footer"}


class _HtmlToMarkdown(HTMLParser):
    """Keeps headings as Markdown headings and block elements as paragraphs; drops scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        self._pre += tag == "pre"
        if tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag != "li" else "\n\n- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        self._pre = max(0, self._pre - (tag == "pre"))
        if tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data if self._pre else " ".join(data.split("\n")))


def html_to_markdown(html: str) -> tuple[str, str]:
    """Return (title, Markdown-like text) for an HTML page."""
    parser = _HtmlToMarkdown()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return parser.title.strip(), text


def _title_of(text: str, fallback: str) -> str:
    match = re.search(r"^#{1,6}\s+(.+)$", text, flags=re.MULTILINE)
    return match.group(1).strip() if match else fallback


def _read_beir(path: Path, limit: int | None) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if limit is not None and len(rows) >= limit:
                break
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                doc_id, body = str(record["_id"]), str(record["text"])
            except (json.JSONDecodeError, KeyError) as exc:
                raise LakewardError(
                    f"line {number} is not a BEIR record ({exc})",
                    source=str(path),
                    field="_id/text",
                    fix="each line must be a JSON object with `_id`, `text` and optionally `title`",
                ) from None
            title = str(record.get("title") or "").strip()
            text = f"# {title}\n\n{body}" if title else body
            rows.append(
                {
                    "doc_id": doc_id,
                    "source": f"{path.name}#{doc_id}",
                    "title": title or doc_id,
                    "format": "beir",
                    "text": text,
                }
            )
    return rows


def _read_folder(root: Path, limit: int | None) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
        if limit is not None and len(rows) >= limit:
            break
        relative = path.relative_to(root).as_posix()
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise LakewardError(
                "is not UTF-8 text", source=str(path), field="--corpus", fix="convert the file to UTF-8"
            ) from None
        kind = SUFFIXES[path.suffix.lower()]
        if kind == "html":
            title, content = html_to_markdown(content)
            title = title or _title_of(content, path.stem)
        else:
            title = _title_of(content, path.stem)
        rows.append({"doc_id": relative, "source": relative, "title": title, "format": kind, "text": content})
    return rows


def read_corpus(path: Path, limit: int | None = None) -> pa.Table:
    """Read every supported document under `path` (a folder, or a BEIR `corpus.jsonl`)."""
    if not path.exists():
        raise LakewardError(
            "does not exist",
            source=str(path),
            field="--corpus",
            fix="point --corpus at a folder of .md/.txt/.html files or a BEIR corpus.jsonl",
        )
    beir = path if path.is_file() else path / "corpus.jsonl"
    if beir.name == "corpus.jsonl" and beir.is_file():
        rows = _read_beir(beir, limit)
    elif path.is_dir():
        rows = _read_folder(path, limit)
    else:
        raise LakewardError(
            "is neither a folder nor a corpus.jsonl",
            source=str(path),
            field="--corpus",
            fix="point --corpus at a folder of .md/.txt/.html files or a BEIR corpus.jsonl",
        )
    if not rows:
        raise LakewardError(
            "holds no .md, .txt, .html file or BEIR record",
            source=str(path),
            field="--corpus",
            fix="add documents or point --corpus at another folder",
        )
    return pa.Table.from_pylist(rows, schema=RAW_SCHEMA)
