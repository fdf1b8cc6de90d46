"""Synthesized stacks in the build cache: a stack's files and its `manifest.json` entry, captured from a
synthesis folder and restored into another, byte for byte. Files are stored base64-encoded: a stack's
folder holds binary assets too (the wheel the workspace uploads)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakeward.cache import Cache

MANIFEST = "manifest.json"
STACKS_DIR = "stacks"


@dataclass(frozen=True)
class StoredStack:
    """What synthesis wrote for one stack: `files` (their bytes) relative to its folder, its manifest
    entry, and the manifest's other fields (the CDK Terrain version)."""

    files: dict[str, bytes]
    manifest: dict[str, Any]
    fields: dict[str, Any]

    def as_payload(self) -> dict[str, Any]:
        files = {name: base64.b64encode(data).decode("ascii") for name, data in self.files.items()}
        return {"files": files, "manifest": self.manifest, "fields": self.fields}


def load(cache: Cache, key: str | None) -> StoredStack | None:
    """The stack stored under `key`; None when there is no key, no entry or a malformed one."""
    payload = cache.get(key) if key else None
    if not isinstance(payload, dict):
        return None
    files, manifest, fields = payload.get("files"), payload.get("manifest"), payload.get("fields")
    if not (isinstance(files, dict) and files and isinstance(manifest, dict) and isinstance(fields, dict)):
        return None
    decoded = {}
    for name, text in files.items():
        data = _decoded(text) if _safe(name) else None
        if data is None:
            return None
        decoded[name] = data
    return StoredStack(decoded, manifest, fields)


def capture(folder: Path, stack: str) -> StoredStack:
    """The stack `stack` as synthesis wrote it under `folder`."""
    root = folder / STACKS_DIR / stack
    files = {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    fields = {name: value for name, value in manifest.items() if name != STACKS_DIR}
    return StoredStack(files, manifest[STACKS_DIR][stack], fields)


def restore(folder: Path, stacks: dict[str, StoredStack]) -> None:
    """Write `stacks` under `folder` and add them to its manifest (creating it when nothing was
    synthesized), formatted as CDK Terrain formats it."""
    if not stacks:
        return
    for stack, stored in stacks.items():
        root = folder / STACKS_DIR / stack
        for name, data in stored.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    target = folder / MANIFEST
    manifest = (
        json.loads(target.read_text(encoding="utf-8"))
        if target.exists()
        else {**next(iter(stacks.values())).fields, STACKS_DIR: {}}
    )
    manifest[STACKS_DIR].update({stack: stored.manifest for stack, stored in stacks.items()})
    target.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False), encoding="utf-8")


def _decoded(text: object) -> bytes | None:
    """The bytes a stored file's base64 text holds; None when it is not base64 text."""
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _safe(name: object) -> bool:
    """A stored file name stays inside its stack's folder."""
    if not isinstance(name, str):
        return False
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts
