"""One pipeline run at a time per lakehouse: an OS file lock (`flock`) on `<lakehouse>/.lakeward.lock`.

The lock is taken without blocking and retried until a bounded wait runs out; the process that holds
it writes its pid and start time into the file, so the one that gives up can name it. The kernel
releases the lock when its holder exits, however it exits, so a killed run never leaves it stuck.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from lakeward.errors import LakewardError

LOCK_FILE = ".lakeward.lock"
RETRY_SECONDS = 0.2
log = logging.getLogger(__name__)


def _holder(descriptor: int) -> str:
    os.lseek(descriptor, 0, os.SEEK_SET)
    return os.read(descriptor, 200).decode("utf-8", "replace").strip() or "another process"


@contextmanager
def lakehouse_lock(lakehouse: Path, wait_seconds: float) -> Iterator[None]:
    """Hold the lakehouse's lock for the block; wait up to `wait_seconds` for another holder, then stop
    with exit code 2. On a filesystem without file locks the block runs unlocked, with a warning."""
    lakehouse.mkdir(parents=True, exist_ok=True)
    path = lakehouse / LOCK_FILE
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait_seconds)
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LakewardError(
                        f"another pipeline run holds this lakehouse ({_holder(descriptor)}); "
                        f"waited {wait_seconds:g} s",
                        source=str(lakehouse),
                        field="--lakehouse",
                        fix="rerun when that run has finished (a rerun does only what is left), wait "
                        "longer with --lock-wait SECONDS, or use another --lakehouse",
                    ) from None
                time.sleep(RETRY_SECONDS)
            except OSError as exc:
                log.warning("%s: no file locks on this filesystem (%s); running unlocked", path, exc)
                break
        os.ftruncate(descriptor, 0)
        os.pwrite(
            descriptor, f"pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC".encode(), 0
        )
        yield
    finally:
        os.close(descriptor)
