"""Promote, canary, step, rollback and the freeze, end to end through the CLI on a local MLflow
registry: the release file changes for review and the aliases `champion`, `challenger` and `previous`
follow it."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
import yaml

from lakeward.releases.gates import EXIT_FROZEN
from tests.cli import run_cli
from workloads.rag.config import RagConfig

from .test_release_gate import GOOD, candidate

ENDPOINT = "lakeward-rag"


def _aliases(tracking: Path) -> dict[str, str]:
    from mlflow import MlflowClient

    from workloads.rag.tracking import use_tracking

    use_tracking(tracking)
    model = MlflowClient().get_registered_model(RagConfig().model_name)
    return {alias: str(version) for alias, version in sorted(model.aliases.items())}


def _release(folder: Path) -> dict:
    return yaml.safe_load((folder / "dev.yaml").read_text())["endpoints"][ENDPOINT]


def request_log(path: Path, drift: bool = False, count: int = 140) -> Path:
    """Request records as the chain logs them; with `drift`, the last 100 are five times slower."""
    rng = random.Random(7)
    with path.open("w") as handle:
        for index in range(count):
            slow = 5.0 if drift and index >= count - 100 else 1.0
            record = {
                "fallback": rng.random() < 0.1,
                "refused": False,
                "latency_ms": rng.gauss(40, 4) * slow,
                "answer_chars": rng.gauss(300, 30),
                "citations": 2,
                "embedding": None,
            }
            handle.write(json.dumps(record) + "\n")
    return path


def shadow_report(path: Path, champion: int, challenger: int, passed: bool = True) -> Path:
    check = {
        "metric": "groundedness",
        "champion": 0.9,
        "challenger": 0.9,
        "operator": ">=",
        "threshold": 0.85,
    }
    report = {"champion": champion, "challenger": challenger, "checks": [{**check, "passed": passed}]}
    path.write_text(json.dumps(report))
    return path


@pytest.fixture
def where(tmp_path: Path) -> dict[str, Path]:
    return {"tracking": tmp_path / "mlflow", "releases": tmp_path / "releases", "lakehouse": tmp_path / "lh"}


def rollout(where: dict[str, Path], step: str, *args: str | Path):
    common = [f"--{key}={value}" for key, value in where.items()]
    return run_cli("rollout", step, "--env", "dev", *common, *args, "--json")


def test_promote_canary_step_promote_rollback(where: dict[str, Path], tmp_path: Path) -> None:
    where["releases"].mkdir()
    candidate(where["tracking"], GOOD)
    first = rollout(where, "promote")
    assert first.exit_code == 0, first.stderr
    assert _release(where["releases"]) == {"champion": {"version": 1}}
    assert _aliases(where["tracking"]) == {"candidate": "1", "champion": "1"}

    candidate(where["tracking"], GOOD)
    canary = rollout(where, "canary", "--percent", "10")
    assert canary.exit_code == 0, canary.stderr
    assert _release(where["releases"])["challenger"] == {"version": 2, "traffic_percent": 10}
    assert _aliases(where["tracking"])["challenger"] == "2"

    log = request_log(tmp_path / "requests.jsonl")
    report = shadow_report(tmp_path / "shadow.json", 1, 2)
    widened = rollout(where, "step", "--percent", "50", "--shadow", report, "--log", log)
    assert widened.exit_code == 0, widened.stderr
    assert [g["name"] for g in json.loads(widened.stdout)["gates"]] == ["shadow", "monitor", "evaluation"]
    assert _release(where["releases"])["challenger"]["traffic_percent"] == 50

    promoted = rollout(where, "promote", "--shadow", report, "--log", log)
    assert promoted.exit_code == 0, promoted.stderr
    assert _release(where["releases"]) == {"champion": {"version": 2}, "previous": {"version": 1}}
    assert _aliases(where["tracking"]) == {"candidate": "2", "champion": "2", "previous": "1"}

    back = rollout(where, "rollback")
    assert back.exit_code == 0, back.stderr
    assert _release(where["releases"]) == {"champion": {"version": 1}}
    assert _aliases(where["tracking"]) == {"candidate": "2", "champion": "1"}


def test_rollback_works_without_the_registry(where: dict[str, Path]) -> None:
    """An incident's rollback needs the release file alone: no MLflow store, no network."""
    where["releases"].mkdir()
    (where["releases"] / "dev.yaml").write_text(
        "endpoints:\n  lakeward-rag:\n    champion: {version: 5}\n    previous: {version: 4}\n"
        "    challenger: {version: 6, traffic_percent: 5}\n"
    )
    back = rollout(where, "rollback")
    assert back.exit_code == 0, back.stderr
    assert _release(where["releases"]) == {"champion": {"version": 4}}
    assert not where["tracking"].exists()


def test_freeze_refuses_until_an_override_is_recorded(where: dict[str, Path], tmp_path: Path) -> None:
    where["releases"].mkdir()
    candidate(where["tracking"], GOOD)
    assert rollout(where, "promote").exit_code == 0
    candidate(where["tracking"], {**GOOD, "hybrid.recall_at_10": 0.2})
    frozen = rollout(where, "canary")
    assert frozen.exit_code == EXIT_FROZEN
    assert "promotion is frozen: evaluation: hybrid.recall_at_10" in frozen.stderr
    assert "challenger" not in _release(where["releases"])

    expires = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=3)).isoformat()
    recorded = run_cli(
        "rollout", "override", "--env", "dev", "--releases", where["releases"],
        "--owner", "jane@example.com", "--reason", "recall dips on the new catalogue, accepted",
        "--expires", expires,
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.stderr
    allowed = rollout(where, "canary")
    assert allowed.exit_code == 0, allowed.stderr
    assert json.loads(allowed.stdout)["override"]["owner"] == "jane@example.com"
    assert _release(where["releases"])["challenger"]["version"] == 2


def test_drift_and_a_failed_shadow_freeze_a_step(where: dict[str, Path], tmp_path: Path) -> None:
    where["releases"].mkdir()
    candidate(where["tracking"], GOOD)
    assert rollout(where, "promote").exit_code == 0
    candidate(where["tracking"], GOOD)
    assert rollout(where, "canary").exit_code == 0
    drifting = request_log(tmp_path / "drift.jsonl", drift=True)
    good = shadow_report(tmp_path / "good.json", 1, 2)
    step = rollout(where, "step", "--percent", "50", "--shadow", good, "--log", drifting)
    assert step.exit_code == EXIT_FROZEN and "monitor: drift on latency_ms" in step.stderr
    bad = shadow_report(tmp_path / "bad.json", 1, 2, passed=False)
    steady = request_log(tmp_path / "steady.jsonl")
    step = rollout(where, "step", "--percent", "50", "--shadow", bad, "--log", steady)
    assert step.exit_code == EXIT_FROZEN and "shadow: challenger 2 fails groundedness" in step.stderr
    stale = shadow_report(tmp_path / "stale.json", 1, 3)
    step = rollout(where, "step", "--percent", "50", "--shadow", stale, "--log", steady)
    assert step.exit_code == 2 and "--shadow" in step.stderr
    assert _release(where["releases"])["challenger"]["traffic_percent"] == 10


def test_an_override_holds_only_until_it_expires() -> None:
    from lakeward.releases.model import FreezeOverride

    override = FreezeOverride(
        owner="ops",
        reason="known drift from a launch",
        recorded=dt.date(2026, 1, 1),
        expires=dt.date(2026, 1, 5),
    )
    assert override.active(dt.date(2026, 1, 5)) and not override.active(dt.date(2026, 1, 6))
    with pytest.raises(ValueError, match="at most 30 days"):
        FreezeOverride(
            owner="ops",
            reason="known drift from a launch",
            recorded=dt.date(2026, 1, 1),
            expires=dt.date(2026, 3, 1),
        )
