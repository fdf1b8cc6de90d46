"""Resident workers: what they build and scan is what a run does itself, they refuse inputs and code that
changed under them, a run without an answering worker does the work itself, and they serve only their
own user through a private folder."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.config import ENVIRONMENTS_DIR, load_environment
from lakeward.errors import LakewardError
from lakeward.releases.files import load_releases
from lakeward.stack_keys import Sources
from lakeward.synth import synthesize_tenants
from lakeward.tenants.loader import TENANTS_DIR, load_tenant_file
from lakeward.workers import client, synth_worker
from lakeward.workers.server import MAX_REQUEST_BYTES, read_message, send_message, serve
from policies import contract
from policies.checkov_runner import checkov_worker, run_checkov
from stacks.names import tenant_stack_id
from tests.cli import run_cli

TENANT = "claims_analytics"


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Workers on, with a socket folder of this test's own (short: socket paths hold 104 bytes)."""
    base = Path(tempfile.mkdtemp(prefix="lw-"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    monkeypatch.setenv("LAKEWARD_WORKERS", "on")
    yield base / "lakeward"
    client.stop_all()
    client._wanted.clear()  # nothing is started when the test session ends
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sources:
    monkeypatch.setenv("LAKEWARD_PROJECT", str(tmp_path))
    monkeypatch.setenv("LAKEWARD_CACHE", str(tmp_path / "cache"))
    shutil.copytree(ENVIRONMENTS_DIR, tmp_path / "environments")
    shutil.copytree(TENANTS_DIR, tmp_path / "tenants")
    return Sources(tmp_path / "environments", tmp_path / "tenants")


def start(worker: client.Worker | None) -> subprocess.Popen[bytes]:
    assert worker is not None
    process = subprocess.Popen(worker.command, env={**os.environ, **(worker.env or {})})
    deadline = time.monotonic() + 120
    while not worker.listening():
        assert process.poll() is None, "the worker exited while starting"
        assert time.monotonic() < deadline, "the worker did not start in time"
        time.sleep(0.2)
    return process


def synth_request(project: Sources, staging: Path, keys: dict[str, str]) -> dict[str, Any]:
    """A request to build `TENANT`'s dev stack, as a run sends it, with `keys` as the run computed them."""
    env = load_environment("dev", project.environments_dir)
    return {
        "op": "synth-tenants",
        "env": "dev",
        "environments_dir": str(project.environments_dir),
        "tenants_dir": str(project.tenants_dir),
        "backend": None,
        "tenants": [TENANT],
        "releases": load_releases(env, None).model_dump(mode="json"),
        "keys": keys,
        "staging": str(staging),
    }


def served(worker: client.Worker) -> int:
    status = next(w for w in client.running() if w["socket"] == str(worker.path))
    return int(status["served"])


def test_a_tenant_built_by_the_worker_is_the_bytes_built_in_process(
    runtime: Path, project: Sources, tmp_path: Path
) -> None:
    worker = synth_worker.worker()
    start(worker)
    assert worker is not None
    env = load_environment("dev", project.environments_dir)
    tenant = load_tenant_file(project.tenant_spec(TENANT))
    warm = synthesize_tenants(env, [tenant], tmp_path / "warm", sources=project)
    assert warm.built == [tenant_stack_id("dev", TENANT)]
    assert served(worker) == 1
    cold = synthesize_tenants(env, [tenant], tmp_path / "cold", sources=project, use_cache=False)
    assert cold.built == warm.built and served(worker) == 1  # --no-cache never asks a worker
    assert tree(tmp_path / "warm") == tree(tmp_path / "cold")
    assert not client._wanted  # a worker answered: none is to be started


def test_the_worker_refuses_inputs_that_changed_under_it(project: Sources, tmp_path: Path) -> None:
    stack = tenant_stack_id("dev", TENANT)
    request = synth_request(project, tmp_path / "staging", {stack: "0" * 64})  # not what is on disk now
    answer = synth_worker.build(request)
    assert "refused" in answer and stack in answer["refused"]
    assert not (tmp_path / "staging").exists()
    assert "refused" in synth_worker.build({**request, "keys": {}})
    assert "refused" in synth_worker.build({**request, "tenants": [TENANT, "hr_assistant"]})


def test_a_worker_answers_a_bad_spec_with_the_error_a_run_gives(project: Sources, tmp_path: Path) -> None:
    spec = project.tenant_spec(TENANT)
    spec.write_text(spec.read_text().replace("metadata:", "metadata:\n  bogus: 1", 1))
    answer = synth_worker._handle(
        synth_request(project, tmp_path / "s", {}),
        synth_worker.identity(),
    )
    assert answer["error"]["field"] == "metadata.bogus" and answer["error"]["fix"]


def test_without_an_answering_worker_a_run_builds_itself_and_starts_one_at_exit(
    runtime: Path, project: Sources, tmp_path: Path
) -> None:
    worker = synth_worker.worker()
    assert worker is not None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(str(worker.path))  # a socket left behind by a worker that was killed: nobody listens
    env = load_environment("dev", project.environments_dir)
    tenant = load_tenant_file(project.tenant_spec(TENANT))
    result = synthesize_tenants(env, [tenant], tmp_path / "out", sources=project)
    assert result.built == [tenant_stack_id("dev", TENANT)]
    assert list(client._wanted) == [worker.path]


def test_the_checkov_worker_reports_what_a_new_checkov_process_does(
    runtime: Path, project: Sources, tmp_path: Path
) -> None:
    env = load_environment("dev", project.environments_dir)
    tenant = load_tenant_file(project.tenant_spec(TENANT))
    synthesize_tenants(env, [tenant], tmp_path / "out", use_cache=False)
    stacks = contract.stack_paths(tmp_path / "out")
    worker = checkov_worker()
    start(worker)
    assert worker is not None
    by_worker = run_checkov(stacks, use_worker=True)
    assert served(worker) == 1
    alone = run_checkov(stacks)
    assert served(worker) == 1
    assert sorted(map(repr, by_worker)) == sorted(map(repr, alone)) and by_worker


def serve_in_thread(path: Path, idle: float = 30.0) -> threading.Thread:
    thread = threading.Thread(
        target=serve,
        args=(path, lambda: lambda request: {"echo": request}),
        kwargs={"info": {"kind": "echo"}, "idle_seconds": idle, "max_requests": 10},
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return thread


def ask(path: Path, payload: bytes) -> dict[str, Any] | None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        connection.connect(str(path))
        connection.sendall(payload)
        connection.shutdown(socket.SHUT_WR)
        return read_message(connection, 1 << 24)


def test_a_worker_answers_in_turn_refuses_junk_and_stops_on_request(runtime: Path) -> None:
    base = client.folder()
    assert base is not None
    path = base / "echo-test.sock"
    thread = serve_in_thread(path)
    assert ask(path, b'{"op": "x", "n": 1}\n') == {"echo": {"op": "x", "n": 1}}
    answers: list[dict[str, Any] | None] = []
    askers = [
        threading.Thread(target=lambda n=n: answers.append(ask(path, b'{"n": %d}\n' % n))) for n in range(8)
    ]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(timeout=10)
    assert sorted(a["echo"]["n"] for a in answers if a) == list(range(8))  # two terminals at once: in turn
    assert ask(path, b"[1, 2]\n") == {}  # not an object: no answer
    assert ask(path, b"{" + b" " * MAX_REQUEST_BYTES + b"}\n") == {}  # over the limit: not even parsed
    second = serve_in_thread(path)  # a second worker for the same socket leaves at once
    second.join(timeout=10)
    assert not second.is_alive() and thread.is_alive()
    assert ask(path, b'{"op": "stop"}\n') == {"stopped": True}
    thread.join(timeout=10)
    assert not thread.is_alive() and not path.exists() and not path.with_suffix(".json").exists()
    client.stop_all()
    assert not list(base.iterdir())  # nothing left behind by stopped workers


def test_an_idle_worker_exits(runtime: Path) -> None:
    base = client.folder()
    assert base is not None
    thread = serve_in_thread(base / "idle-test.sock", idle=0.3)
    thread.join(timeout=10)
    assert not thread.is_alive() and not (base / "idle-test.sock").exists()


def test_a_socket_folder_that_is_not_private_is_not_used(runtime: Path) -> None:
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    assert client.folder() == runtime
    runtime.chmod(0o755)
    assert client.folder() is None and synth_worker.worker() is None and checkov_worker() is None
    told = run_cli("workers", "status")
    assert told.exit_code == 0 and f"{runtime} is not a folder only this user can open" in told.stdout
    runtime.rmdir()
    runtime.symlink_to(tempfile.mkdtemp(prefix="lw-elsewhere-"))
    assert client.folder() is None


@pytest.mark.parametrize(
    ("setting", "ci", "expected"),
    [("", "", True), ("", "true", False), ("on", "true", True), ("off", "", False), ("", "false", True)],
)
def test_workers_are_on_at_a_workstation_and_off_in_ci_unless_told(
    monkeypatch: pytest.MonkeyPatch, setting: str, ci: str, expected: bool
) -> None:
    monkeypatch.setenv("LAKEWARD_WORKERS", setting)
    monkeypatch.setenv("CI", ci)
    assert client.enabled() is expected


def test_a_bad_worker_setting_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEWARD_WORKERS", "sometimes")
    with pytest.raises(LakewardError) as caught:
        client.enabled()
    assert caught.value.field == "LAKEWARD_WORKERS" and "on" in str(caught.value.fix)


def test_status_and_stop_report_the_running_workers(runtime: Path) -> None:
    base = client.folder()
    assert base is not None
    thread = serve_in_thread(base / "echo-status.sock")
    status = run_cli("workers", "status", "--json")
    assert status.exit_code == 0 and '"kind": "echo"' in status.stdout
    stopped = run_cli("workers", "stop")
    assert stopped.exit_code == 0 and "echo" in stopped.stdout
    thread.join(timeout=10)
    assert '"workers": []' in run_cli("workers", "status", "--json").stdout


def test_a_peer_that_never_sends_does_not_hold_the_worker(
    runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lakeward.workers import server

    monkeypatch.setattr(server, "REQUEST_SECONDS", 0.3)
    base = client.folder()
    assert base is not None
    path = base / "echo-slow.sock"
    serve_in_thread(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.connect(str(path))
        assert ask(path, b'{"n": 2}\n') == {"echo": {"n": 2}}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(str(path))
        send_message(connection, {"op": "stop"})
