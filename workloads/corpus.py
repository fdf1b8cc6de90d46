"""Readers: a folder of Markdown, text and HTML files, or a BEIR `corpus.jsonl`, into one Arrow table.

The folder reader never reads outside the corpus root and never stops at one bad file. Every path is
resolved; what cannot or must not be read is quarantined with its reason and the rest is read: a
symlink that leaves the root, a symlink to a folder (not followed), a special file (FIFO, socket,
device, kernel pseudo-file), a file over the size limit, one that cannot be opened, bytes that are
not UTF-8. A file reached twice (a symlink inside the root to a file inside the root) is read once,
under its own name.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
_PSEUDO_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))
_BLOCKS = {"p", "div", "section", "article", "li", "tr", "br", "pre", "blockquote", "table", "ul", "ol"}
_SKIP = {"script", "style", "head", "nav", "footer"}


@dataclass(frozen=True)
class Quarantined:
    """A file of the corpus that was not read, and why."""

    source: str
    reason: str


@dataclass
class Corpus:
    """The documents read (`RAW_SCHEMA`), the files quarantined instead, and when each document's
    source last changed (a file's modification time; for a BEIR record, that of its `corpus.jsonl`)."""

    documents: pa.Table
    quarantined: list[Quarantined] = field(default_factory=list)
    modified_at: dict[str, datetime] = field(default_factory=dict)


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


def _document(relative: str, content: str) -> dict[str, str]:
    kind = SUFFIXES[Path(relative).suffix.lower()]
    if kind == "html":
        title, content = html_to_markdown(content)
        title = title or _title_of(content, Path(relative).stem)
    else:
        title = _title_of(content, Path(relative).stem)
    return {"doc_id": relative, "source": relative, "title": title, "format": kind, "text": content}


def _candidates(root: Path) -> tuple[list[tuple[str, Path]], list[Quarantined]]:
    """(relative name, path) of every supported file under `root`, without following folder links;
    links to folders are quarantined."""
    files: list[tuple[str, Path]] = []
    skipped: list[Quarantined] = []
    for folder, folders, names in os.walk(root, followlinks=False):
        base = Path(folder)
        for name in folders:
            if (base / name).is_symlink():
                relative = (base / name).relative_to(root).as_posix()
                skipped.append(
                    Quarantined(relative, "a symlink to a folder (links to folders are not followed)")
                )
        files += [
            ((base / name).relative_to(root).as_posix(), base / name)
            for name in names
            if Path(name).suffix.lower() in SUFFIXES
        ]
    return files, skipped


def _refusal(target: Path, root: Path, max_bytes: int) -> str | None:
    """Why the resolved file `target` is not read, or None."""
    if not target.is_relative_to(root):
        return "a symlink to a file outside the corpus root"
    if any(target.is_relative_to(pseudo) for pseudo in _PSEUDO_ROOTS):
        return "a kernel pseudo-file, not a document"
    status = os.stat(target)
    if not stat.S_ISREG(status.st_mode):
        return "a special file (FIFO, socket or device), not a regular file"
    size = status.st_size
    return f"{size:,} bytes, over the {max_bytes:,}-byte limit" if size > max_bytes else None


def _read_text(target: Path, max_bytes: int) -> str:
    """The file's UTF-8 text; opened without following links or blocking, checked again once open."""
    descriptor = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError("a special file (FIFO, socket or device), not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"over the {max_bytes:,}-byte limit")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); convert it to UTF-8"
        ) from None


def _read_folder(root: Path, limit: int | None, max_bytes: int) -> Corpus:
    root = root.resolve()
    files, quarantined = _candidates(root)
    targets: dict[Path, str] = {}
    rows: list[dict[str, str]] = []
    modified: dict[str, datetime] = {}
    for relative, path in sorted(files, key=lambda item: (item[1].is_symlink(), item[0])):
        if limit is not None and len(rows) >= limit:
            break
        try:
            target = path.resolve(strict=True)
            reason = _refusal(target, root, max_bytes)
            if reason is None and target in targets:
                reason = f"the same file as {targets[target]}, which is read instead"
            if reason is None:
                targets[target] = relative
                rows.append(_document(relative, _read_text(target, max_bytes)))
                modified[relative] = _modified(target)
        except PermissionError:
            reason = "cannot be read: permission denied"
        except (OSError, RuntimeError) as exc:
            reason = f"cannot be read: {getattr(exc, 'strerror', None) or exc}"
        except ValueError as exc:
            reason = str(exc)
        if reason is not None:
            quarantined.append(Quarantined(relative, reason))
    rows.sort(key=lambda row: row["doc_id"])
    return Corpus(
        pa.Table.from_pylist(rows, schema=RAW_SCHEMA),
        sorted(quarantined, key=lambda q: q.source),
        {row["doc_id"]: modified[row["doc_id"]] for row in rows},
    )


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def read_corpus(path: Path, limit: int | None = None, max_bytes: int = MAX_DOCUMENT_BYTES) -> Corpus:
    """Read every supported document under `path` (a folder, or a BEIR `corpus.jsonl`); a folder's
    files that cannot or must not be read are quarantined, and a corpus with nothing to read is
    refused."""
    if not path.exists():
        raise LakewardError(
            "does not exist",
            source=str(path),
            field="--corpus",
            fix="point --corpus at a folder of .md/.txt/.html files or a BEIR corpus.jsonl",
        )
    beir = path if path.is_file() else path / "corpus.jsonl"
    if beir.name == "corpus.jsonl" and beir.is_file():
        records = pa.Table.from_pylist(_read_beir(beir, limit), schema=RAW_SCHEMA)
        changed = _modified(beir)
        corpus = Corpus(records, modified_at=dict.fromkeys(records["doc_id"].to_pylist(), changed))
    elif path.is_dir():
        corpus = _read_folder(path, limit, max_bytes)
    else:
        raise LakewardError(
            "is neither a folder nor a corpus.jsonl",
            source=str(path),
            field="--corpus",
            fix="point --corpus at a folder of .md/.txt/.html files or a BEIR corpus.jsonl",
        )
    if not corpus.documents.num_rows:
        unread = "; ".join(f"{q.source}: {q.reason}" for q in corpus.quarantined[:5])
        raise LakewardError(
            "holds no readable .md, .txt, .html file or BEIR record"
            + (f" ({len(corpus.quarantined)} quarantined: {unread})" if unread else ""),
            source=str(path),
            field="--corpus",
            fix="add documents or point --corpus at another folder",
        )
    return corpus
