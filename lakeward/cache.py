"""The build cache: synthesized stacks and scan results stored under keys made of everything that decides
them, so that an unchanged input is never built or scanned twice.

It lives in `$LAKEWARD_CACHE`, else `.cache/lakeward` under the project folder, and may be deleted at
any time. Each entry is one JSON file written through a temporary file and a rename, so concurrent runs
(two terminals, CI retries) never see half an entry; the last writer of a key wins with the same
content. An entry holds its key and the SHA-256 of its payload: one that does not parse, is truncated,
answers another key or fails its digest is ignored (and rebuilt by the run that needed it).
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.files import write_atomic
from lakeward.fingerprint import digest_text
from lakeward.locate import project_path

CACHE_ENV = "LAKEWARD_CACHE"
# Raise when the layout or meaning of entries changes: every older entry then misses.
FORMAT = 1


def cache_root() -> Path:
    """`$LAKEWARD_CACHE`, else `.cache/lakeward` under the project folder."""
    named = os.environ.get(CACHE_ENV)
    return Path(named) if named else project_path(".cache", "lakeward")


def _payload_digest(payload: Any) -> str:
    return digest_text(json.dumps(payload, sort_keys=True, ensure_ascii=False))


@dataclass(frozen=True)
class Cache:
    """One kind of entry (`stacks`, `scan`, ...) under the cache root; a disabled one (`--no-cache`)
    neither reads nor writes."""

    kind: str
    enabled: bool = True
    root: Path | None = None

    def _path(self, key: str) -> Path:
        return (self.root or cache_root()) / f"v{FORMAT}" / self.kind / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The payload stored under `key`, or None: missing, unreadable, corrupted or not trusted."""
        if not self.enabled:
            return None
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key or "payload" not in entry:
            return None
        if entry.get("digest") != _payload_digest(entry["payload"]):
            return None
        return entry["payload"]

    def put(self, key: str, payload: Any) -> None:
        """Store `payload` under `key` atomically; a cache that cannot be written is skipped."""
        if not self.enabled:
            return
        entry = {"key": key, "digest": _payload_digest(payload), "payload": payload}
        # A read-only or full disk costs the next run time, never this run's result.
        with suppress(OSError, LakewardError):
            write_atomic(self._path(key), json.dumps(entry, ensure_ascii=False))
