"""Two `lakeward pipeline run` processes on one lakehouse: the lock makes them take turns, and a run
that cannot get it within its wait stops with exit code 2 and a clear message."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workloads.lock import LOCK_FILE

REPOSITORY = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def launch(corpus: Path, lakehouse: Path, *options: str) -> subprocess.Popen:
    args = ["pipeline", "run", "--corpus", str(corpus), "--lakehouse", str(lakehouse), "--json", *options]
    return subprocess.Popen(
        [sys.executable, "-m", "lakeward", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY), "COLUMNS": "200"},
    )


def test_two_runs_on_a_fresh_lakehouse_take_turns(corpus: Path, tmp_path: Path) -> None:
    lakehouse = tmp_path / "lh"
    runs = [launch(corpus, lakehouse, "--lock-wait", "600") for _ in range(2)]
    outputs = [run.communicate(timeout=900) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    assert not any("Traceback" in err for _, err in outputs)
    results = [json.loads(out) for out, _ in outputs]
    assert sorted(result["changed"] for result in results) == [0, 4]
    assert {result["documents"] for result in results} == {4}


def test_a_run_that_cannot_get_the_lock_exits_2_and_writes_nothing(corpus: Path, tmp_path: Path) -> None:
    lakehouse = tmp_path / "lh"
    lakehouse.mkdir()
    with (lakehouse / LOCK_FILE).open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("pid 4242, since 2026-01-05 09:00:00 UTC")
        held.flush()
        loser = launch(corpus, lakehouse, "--lock-wait", "1")
        out, err = loser.communicate(timeout=600)
        assert sorted(p.name for p in lakehouse.iterdir()) == [LOCK_FILE]
        waiting = launch(corpus, lakehouse, "--lock-wait", "600")
    assert loser.returncode == 2 and out == "" and "Traceback" not in err
    assert "another pipeline run holds this lakehouse (pid 4242, since 2026-01-05 09:00:00 UTC)" in err
    assert "--lock-wait" in err
    assert waiting.wait(timeout=900) == 0
