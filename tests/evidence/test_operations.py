"""The evidence bundle's view of operations: the release state with each freeze override (owner,
reason, expiry, active or expired at export) and the absence of a release file said plainly."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from lakeward.evidence.collectors.operations import collect_releases
from lakeward.locate import project_path

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def test_overrides_appear_with_their_status(tmp_path: Path) -> None:
    (tmp_path / "dev.yaml").write_text(
        "endpoints:\n"
        "  lakeward-rag:\n"
        "    champion: {version: 3}\n"
        "    challenger: {version: 4, traffic_percent: 10}\n"
        "freeze_overrides:\n"
        "  - {owner: jane@example.com, reason: launch drift, recorded: 2026-11-01, expires: 2026-11-10}\n"
        "  - {owner: ops-lead, reason: accepted recall dip, recorded: 2026-11-18, expires: 2026-11-25}\n"
    )
    item = collect_releases("dev", project_path("environments"), tmp_path, NOW)
    assert item.summary["endpoints"]["lakeward-rag"] == {
        "champion": 3,
        "challenger": 4,
        "challenger_percent": 10,
        "kill_switch": False,
    }
    assert (item.summary["freeze_overrides"], item.summary["active_overrides"]) == (2, 1)
    overrides = json.loads(item.files["operations/releases-dev.json"])["freeze_overrides"]
    assert [(o["owner"], o["status"]) for o in overrides] == [
        ("jane@example.com", "expired"),
        ("ops-lead", "active"),
    ]


def test_no_release_file_is_not_evaluated(tmp_path: Path) -> None:
    item = collect_releases("dev", project_path("environments"), tmp_path, NOW)
    assert item.status == "not evaluated" and "nothing served" in item.note


def test_a_bundle_carries_the_release_state_and_the_playbooks(full_bundle) -> None:
    index = json.loads((full_bundle.bundle / "data" / "index.json").read_text())
    kinds = {item["kind"]: item for item in index["items"]}
    assert kinds["releases"]["status"] == "collected"
    assert kinds["releases"]["summary"]["endpoints"]["lakeward-rag"]["champion"] == 1
    assert set(kinds["playbooks"]["summary"]["playbooks"]) == {
        "cost-spike",
        "leaked-credential",
        "pii-exposure",
        "prompt-injection",
        "quality-regression",
    }
    assert (full_bundle.bundle / "data" / "operations" / "playbooks.json").is_file()
