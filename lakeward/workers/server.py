"""The serving loop of a worker: one JSON request per connection on a Unix socket, answered in order.

Standard library only: checkov's worker runs it inside checkov's own virtual environment. A worker holds
an exclusive lock beside its socket for its whole life, so a second one started for the same socket
exits at once; it accepts connections only from its own user (the folder is private, and on Linux the
peer's credentials are checked too), and it exits after `idle_seconds` without a request, after
`max_requests`, when `current()` says its code changed, or on a `stop` request.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

MAX_REQUEST_BYTES = 1 << 20
MAX_ANSWER_BYTES = 1 << 28
CHECK_EVERY_SECONDS = 30.0
REQUEST_SECONDS = 10.0

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def exit_on_sigterm() -> None:
    """Make SIGTERM end a worker's process through `finally`, so that it removes its socket."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def read_message(connection: socket.socket, limit: int = MAX_REQUEST_BYTES) -> dict[str, Any] | None:
    """One newline-terminated JSON object, or None when the peer sent something else or over `limit`
    bytes."""
    chunks: list[bytes] = []
    size = 0
    while not chunks or not chunks[-1].endswith(b"\n"):
        chunk = connection.recv(1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    data = b"".join(chunks)
    try:
        message = json.loads(data)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def send_message(connection: socket.socket, message: dict[str, Any]) -> None:
    connection.sendall(json.dumps(message).encode("utf-8") + b"\n")


def _same_user(connection: socket.socket) -> bool:
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True  # no peer credentials on this platform: the private folder is the guard
    _, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    return uid == os.getuid()


def serve(
    path: Path,
    prepare: Callable[[], Handler],
    *,
    info: dict[str, Any],
    idle_seconds: float,
    max_requests: int,
    current: Callable[[], bool] = lambda: True,
) -> None:
    """Serve the handler `prepare` returns (it loads what the worker keeps warm, once the lock is
    held) on the socket `path` until idle, worn out, outdated or stopped. `info` is written beside the
    socket (`<path>.json`) for `lakeward workers status`."""
    import fcntl  # POSIX only: a platform without it never starts a worker (`client.enabled`)

    lock = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another worker serves this socket
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    status = path.with_suffix(".json")
    try:
        handle = prepare()
        path.unlink(missing_ok=True)
        listener.bind(str(path))
        os.chmod(path, 0o600)
        listener.listen(16)
        served, started, last = 0, time.time(), time.monotonic()
        _write_status(status, info, started, served)
        while served < max_requests:
            listener.settimeout(min(CHECK_EVERY_SECONDS, idle_seconds))
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                if time.monotonic() - last >= idle_seconds or not current():
                    return
                continue
            with connection:
                request = _request(connection)
                op = request.get("op") if request else None
                if op == "stop":
                    _answer(connection, {"stopped": True})
                    return
                if request is None or op == "ping":
                    _answer(connection, {"pong": True} if request else {})
                    continue
                answer = handle(request)
                served += 1
                _write_status(status, info, started, served)
                _answer(connection, answer)
            last = time.monotonic()
    finally:
        listener.close()
        path.unlink(missing_ok=True)
        status.unlink(missing_ok=True)
        os.close(lock)


def _request(connection: socket.socket) -> dict[str, Any] | None:
    """The request of a peer of this user that sends it within `REQUEST_SECONDS`, else None."""
    try:
        connection.settimeout(REQUEST_SECONDS)
        request = read_message(connection) if _same_user(connection) else None
        connection.settimeout(None)
    except OSError:
        return None
    return request


def _answer(connection: socket.socket, message: dict[str, Any]) -> None:
    with suppress(OSError):  # the asking run gave up or was interrupted: it does the work itself
        send_message(connection, message)


def _write_status(status: Path, info: dict[str, Any], started: float, served: int) -> None:
    temporary = status.with_suffix(".tmp")
    temporary.write_text(json.dumps({**info, "pid": os.getpid(), "started": started, "served": served}))
    os.replace(temporary, status)
