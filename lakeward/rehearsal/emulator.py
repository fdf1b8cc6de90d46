"""moto's server as the AWS API on a free loopback port, ready in about a second, always stopped."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lakeward.errors import LakewardError
from lakeward.rehearsal.processes import spawn, stop

# moto accepts any credentials; these fixed ones keep real ones from ever reaching the emulator.
EMULATOR_KEY_ID = "testing"
EMULATOR_SECRET = "testing"  # pragma: allowlist secret
READY_TIMEOUT_S = 20.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def responds(endpoint: str, timeout: float = 2.0) -> bool:
    """Whether moto's management API answers at `endpoint`."""
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def check_endpoint(endpoint: str) -> str:
    """Validate an emulator given with --endpoint."""
    endpoint = endpoint.rstrip("/")
    if not endpoint.startswith(("http://", "https://")):
        raise LakewardError(
            f"'{endpoint}' is not a URL", field="--endpoint", fix="pass a URL such as http://127.0.0.1:5000"
        )
    if not responds(endpoint):
        raise LakewardError(
            f"no moto server answers at {endpoint}",
            field="--endpoint",
            fix="start one (`moto_server -p 5000`) or leave out --endpoint: the rehearsal starts its own",
        )
    return endpoint


@contextmanager
def moto_server(*, account_id: str, log_path: Path) -> Iterator[str]:
    """Run moto's server for the block and yield its endpoint URL; it stops however the block ends."""
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        raise LakewardError(
            "moto's server is not installed",
            field="moto[server]",
            fix="run `make setup` (the rehearsal extra pins moto[server]) or pass --endpoint URL",
        )
    env = {**os.environ, "MOTO_ACCOUNT_ID": account_id, "PYTHONUNBUFFERED": "1"}
    with log_path.open("w", encoding="utf-8") as log:
        port = free_port()
        process = spawn(
            [sys.executable, "-m", "lakeward.rehearsal.moto_fixes", "-H", "127.0.0.1", "-p", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        endpoint = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(process, endpoint, log_path)
            yield endpoint
        finally:
            stop(process, grace=5.0)


def _wait_ready(process: subprocess.Popen, endpoint: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-800:]
            raise LakewardError(
                f"moto's server exited with status {process.returncode}:\n{tail}",
                field="emulator",
                fix="check that moto[server] is installed in this environment (`make setup`)",
            )
        if responds(endpoint, timeout=0.5):
            return
        time.sleep(0.05)
    raise LakewardError(
        f"moto's server did not answer at {endpoint} within {READY_TIMEOUT_S:.0f} s",
        field="emulator",
        fix="the machine may be overloaded; retry, or start one yourself and pass --endpoint",
    )
