"""The build cache: synthesized stacks and scan results stored under keys made of everything that decides
them, so that an unchanged input is never built or scanned twice.

It lives in `$LAKEWARD_CACHE`, else `.cache/lakeward` under the project folder, and may be deleted at
any time. Each entry is one file written through a temporary file and a rename, so concurrent runs (two
terminals, CI retries) never see half an entry; the last writer of a key wins with the same content. An
entry is a JSON header line (its key and the SHA-256 of the payload's bytes) followed by the payload as
JSON: one whose header does not parse, that answers another key, is truncated or fails its digest is
ignored (and rebuilt by the run that needed it).
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
from lakeward.fingerprint import digest_bytes
from lakeward.locate import project_path

CACHE_ENV = "LAKEWARD_CACHE"
# Raise when the layout or meaning of entries changes: every older entry then misses.
FORMAT = 2


def cache_root() -> Path:
    """`$LAKEWARD_CACHE`, else `.cache/lakeward` under the project folder."""
    named = os.environ.get(CACHE_ENV)
    return Path(named) if named else project_path(".cache", "lakeward")


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
            header, _, body = self._path(key).read_bytes().partition(b"\n")
            fields = json.loads(header)
            if fields != {"key": key, "digest": digest_bytes(body)}:
                return None
            return json.loads(body)
        except (OSError, ValueError):
            return None

    def put(self, key: str, payload: Any) -> None:
        """Store `payload` under `key` atomically; a cache that cannot be written is skipped."""
        if not self.enabled:
            return
        body = json.dumps(payload, ensure_ascii=False)
        header = json.dumps({"key": key, "digest": digest_bytes(body.encode("utf-8"))})
        # A read-only or full disk costs the next run time, never this run's result.
        with suppress(OSError, LakewardError):
            write_atomic(self._path(key), f"{header}\n{body}")
