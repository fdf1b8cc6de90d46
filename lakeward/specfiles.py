"""Reading the YAML files people write (environments, tenant specs, waivers, release files) as hostile input.

A spec is bounded before it is parsed and again before it is built: a file larger than `MAX_BYTES`, a
folder, a FIFO or a device, a link loop or text that is not UTF-8 is refused with a clear error, and a
document whose aliases would expand to more than `MAX_NODES` nodes (a "billion laughs") is refused
from its composed node graph, which is linear in the file's size, before any Python object is built.
Names that become file names pass `checked_name` first, so that `../x` never leaves its folder.
"""

from __future__ import annotations

import errno
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from lakeward.errors import LakewardError

MAX_BYTES = 512 * 1024
MAX_NODES = 50_000
SAFE_NAME = r"[a-z][a-z0-9_-]{0,62}"


def read_text(path: Path, *, what: str, fix: str, max_bytes: int = MAX_BYTES) -> str:
    """The text of a regular file of at most `max_bytes`, or a `LakewardError` naming the problem."""
    source = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise LakewardError(f"no such {what}", source=source, fix=fix) from None
    except OSError as exc:
        reason = "a symbolic link loop" if exc.errno == errno.ELOOP else exc.strerror
        raise LakewardError(f"cannot read this {what}: {reason}", source=source, fix=fix) from None
    if stat.S_ISDIR(info.st_mode):
        raise LakewardError(f"a folder, not a {what}", source=source, fix=fix)
    if not stat.S_ISREG(info.st_mode):
        raise LakewardError(f"not a regular file (a device, FIFO or socket): {what}", source=source, fix=fix)
    if info.st_size > max_bytes:
        raise LakewardError(
            f"{info.st_size:,} bytes, over the {max_bytes:,}-byte limit for a {what}",
            source=source,
            fix="split the file or remove what does not belong in it",
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise LakewardError(f"cannot read this {what}: {exc.strerror}", source=source, fix=fix) from None
    if len(raw) > max_bytes:
        raise LakewardError(f"over the {max_bytes:,}-byte limit for a {what}", source=source, fix=fix)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LakewardError(
            f"not UTF-8 text (byte {exc.start})", source=source, fix="save the file as UTF-8"
        ) from None


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes the document holds once every alias is expanded; shared nodes are counted once per use."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        return 1
    sizes[id(node)] = MAX_NODES + 1  # a collection that contains itself expands without end
    total = 1
    for child in children:  # a scalar counts 1: no recursion for most of a document's nodes
        total += 1 if isinstance(child, yaml.ScalarNode) else _expanded_size(child, sizes)
    sizes[id(node)] = min(total, MAX_NODES + 1)
    return sizes[id(node)]


def load_yaml(text: str, source: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """Parse one YAML document with a safe loader, refusing alias bombs before building anything."""
    parser = loader(text)
    try:
        node = parser.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_NODES:
            raise LakewardError(
                f"the document expands to more than {MAX_NODES:,} values through YAML aliases",
                source=source,
                fix="write the values out; anchors and aliases are for a few shared blocks",
            )
        return parser.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise LakewardError(
            f"not valid YAML{where}: {problem}", source=source, fix="correct the YAML syntax"
        ) from None
    finally:
        parser.dispose()


def checked_name(value: str, *, field: str, pattern: str = SAFE_NAME, fix: str) -> str:
    """`value` when it is a plain name (no separators, no `..`, no control characters), else an error.
    Every name that becomes part of a path goes through this first."""
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        shown = repr(value)[:80]
        raise LakewardError(f"{shown} is not a valid name", field=field, fix=fix)
    return value


def inside(folder: Path, name: str, suffix: str) -> Path:
    """`folder/<name><suffix>`, refusing a result that resolves outside `folder`."""
    path = folder / f"{name}{suffix}"
    root = folder.resolve()
    if path.resolve().parent != root:
        raise LakewardError(
            f"{name}{suffix} resolves outside {folder}",
            source=str(path),
            fix=f"keep files directly inside {folder}, without links that leave it",
        )
    return path
