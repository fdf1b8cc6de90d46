"""Finding, asking, starting and stopping workers.

A worker's socket lives in a private folder (`$XDG_RUNTIME_DIR/lakeward`, else `/tmp/lakeward-<uid>`,
mode 0700 and owned by the user; any other folder is refused and the run does its work itself). Its
name digests the worker's kind and identity (the code and interpreter it runs) and the build cache it
serves, so a change of code or cache is served by a new worker and never by one holding old code.
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.fingerprint import digest_text
from lakeward.workers.server import MAX_ANSWER_BYTES, read_message, send_message

SETTING = "LAKEWARD_WORKERS"
IDLE_SECONDS = 900
MAX_REQUESTS = 500
CONNECT_SECONDS = 0.2
MAX_SOCKET_PATH = 104  # sun_path holds 108 bytes on Linux, 104 on macOS
PING_SECONDS = 2.0  # a worker answers in turn: a ping may wait for a scan
STOP_SECONDS = 5.0

_wanted: dict[Path, Worker] = {}


def enabled() -> bool:
    """`LAKEWARD_WORKERS` (on or off) when set, else on unless `CI` is set: GitHub Actions always sets
    it to `true` (https://docs.github.com/en/actions/reference/variables-reference), GitLab in every
    job (https://docs.gitlab.com/ci/variables/predefined_variables/)."""
    value = os.environ.get(SETTING, "").strip().lower()
    if value in ("on", "1", "true", "yes"):
        return hasattr(socket, "AF_UNIX")  # workers talk over Unix sockets
    if value in ("off", "0", "false", "no"):
        return False
    if value:
        raise LakewardError(
            f"{SETTING}={value!r} is not on or off",
            field=SETTING,
            fix=f"set {SETTING}=on or {SETTING}=off, or unset it",
        )
    return os.environ.get("CI", "").strip().lower() in ("", "0", "false") and hasattr(socket, "AF_UNIX")


def private_folder() -> Path:
    """Where this user's worker sockets belong: `$XDG_RUNTIME_DIR/lakeward`, else `/tmp/lakeward-<uid>`."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return Path(runtime) / "lakeward" if runtime else Path(tempfile.gettempdir()) / f"lakeward-{os.getuid()}"


def folder() -> Path | None:
    """The private folder of this user's worker sockets, created if missing; None when it is not
    private (another owner, a link, open permissions)."""
    base = private_folder()
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = base.lstat()
    except OSError:
        return None
    private = stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077
    return base if private else None


def socket_path(kind: str, identity: str, scope: str) -> Path | None:
    """Where the `kind` worker with this identity listens, for `scope` (what else its answers depend
    on, such as the project folder and build cache); None when the path is too long for a socket."""
    base = folder()
    path = base / f"{kind}-{digest_text(kind, identity, scope)[:32]}.sock" if base else None
    return path if path and len(bytes(path)) < MAX_SOCKET_PATH else None


@dataclass(frozen=True)
class Worker:
    """A worker's address and how to start it."""

    kind: str
    path: Path
    command: list[str]
    env: dict[str, str] | None = None  # added to this process's environment when it is started

    def ask(self, request: dict[str, Any], timeout: float | None = None) -> dict[str, Any] | None:
        """The worker's answer, or None when none is listening or it failed to answer; the worker
        is then started when this process exits."""
        answer = _exchange(self.path, request, wait=timeout)
        if answer is None:
            self.start_at_exit()
        return answer

    def listening(self) -> bool:
        """Whether the worker answers a ping (it may be busy with another run's request)."""
        return _ping(self.path, CONNECT_SECONDS)

    def start_at_exit(self) -> None:
        """Start this worker in the background once this run is over, so it never competes with it."""
        if not _wanted:
            atexit.register(_start_wanted)
        _wanted.setdefault(self.path, self)


def _start_wanted() -> None:
    for worker in _wanted.values():
        log = os.open(worker.path.with_suffix(".log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(log, "ab") as output:
            subprocess.Popen(
                worker.command,
                env={**os.environ, **(worker.env or {})},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
                close_fds=True,
            )


def running() -> list[dict[str, Any]]:
    """The status of each worker of this user that answers."""
    base = folder()
    found = []
    for status in sorted(base.glob("*.json")) if base else []:
        try:
            saved = json.loads(status.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(saved, dict) and _ping(status.with_suffix(".sock"), PING_SECONDS):
            found.append({**saved, "socket": str(status.with_suffix(".sock"))})
    return found


def _ping(path: Path, timeout: float) -> bool:
    return _exchange(path, {"op": "ping"}, wait=timeout, connect=timeout) == {"pong": True}


def _exchange(
    path: Path, message: dict[str, Any], *, wait: float | None, connect: float = CONNECT_SECONDS
) -> dict[str, Any] | None:
    """Send `message` to the worker at `path` and read its answer, waiting at most `connect` seconds
    to connect and `wait` for the answer (None: as long as it takes); None when it fails."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(connect)
            connection.connect(str(path))
            connection.settimeout(wait)
            send_message(connection, message)
            return read_message(connection, MAX_ANSWER_BYTES)
    except OSError:
        return None


def stop_all() -> list[dict[str, Any]]:
    """Stop every worker of this user and remove what stopped ones left behind; the ones stopped."""
    stopped = []
    for worker in running():
        if _exchange(Path(worker["socket"]), {"op": "stop"}, wait=STOP_SECONDS, connect=STOP_SECONDS):
            stopped.append(worker)
    _prune()
    return stopped


def _prune() -> None:
    """Remove the lock, log, status and socket files of every worker that is not running (its lock is
    free); a worker starting meanwhile finds the lock taken and leaves."""
    import fcntl

    base = folder()
    for lock in sorted(base.glob("*.lock")) if base else []:
        try:
            handle = os.open(lock, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            for suffix in (".log", ".json", ".sock", ".lock"):
                lock.with_suffix(suffix).unlink(missing_ok=True)
        except OSError:
            continue  # a worker holds it
        finally:
            os.close(handle)
