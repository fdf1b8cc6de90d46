"""Atomic writes: a command that fails leaves nothing half-written."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lakeward.errors import LakewardError


def write_atomic(path: Path, text: str) -> None:
    """Write a text file through a temporary file and a rename; a folder in the way is an error."""
    if path.is_dir():
        raise LakewardError("a folder, not a file", source=str(path), fix="name a file to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_exclusive(path: Path, text: str, field: str) -> None:
    """Write a new file that must not exist yet, atomically: of two writers racing for the same name,
    one wins and the other gets a clear error (a hard link never replaces an existing name)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.link(tmp, path)
    except FileExistsError:
        raise LakewardError(
            "already exists", source=str(path), field=field, fix="pick another name"
        ) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield a staging folder beside `target`; on success it replaces `target`, on error it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".staging"))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    backup = target.with_name(f".{target.name}.old")
    shutil.rmtree(backup, ignore_errors=True)
    if target.exists():
        target.rename(backup)
    staging.rename(target)
    shutil.rmtree(backup, ignore_errors=True)
