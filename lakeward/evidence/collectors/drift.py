"""The latest `lakeward drift` report of the environment: the live workspace against the code."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.evidence.items import FAILED, Item, not_evaluated, parse_time
from lakeward.evidence.verifier import DRIFT_FILE, canonical_json

TITLE = "Live drift and posture (lakeward drift)"
KIND = "lakeward-drift"


def _report(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("kind") == KIND else None


def latest_report(source: Path, env: str) -> dict[str, Any]:
    """The report `source` names, or the newest report of `env` in the folder `source`."""
    if source.is_dir():
        reports = [
            r for p in sorted(source.rglob("*.json")) if (r := _report(p)) and r.get("environment") == env
        ]
        if not reports:
            raise LakewardError(
                f"no drift report of environment {env} in this folder",
                source=str(source),
                field="--drift",
                fix=f"run `lakeward drift --env {env} --out FILE` and pass the file or its folder",
            )
        return max(reports, key=lambda r: str(r.get("generated_at")))
    report = _report(source)
    if report is None:
        raise LakewardError(
            "not a drift report (`lakeward drift --out FILE` writes one)",
            source=str(source),
            field="--drift",
            fix="pass the JSON `lakeward drift --out FILE` wrote, or a folder of them",
        )
    if report.get("environment") != env:
        raise LakewardError(
            f"the drift report is of environment {report.get('environment')}, not {env}",
            source=str(source),
            field="--drift",
            fix=f"pass a report of `lakeward drift --env {env}`",
        )
    return report


def collect_drift(source: Path | None, env: str, now: dt.datetime) -> Item:
    """The latest drift report as evidence; its verdict decides the item's status."""
    if source is None:
        return not_evaluated("drift", "drift", TITLE, "-", "no drift report (--drift)")
    report = latest_report(source, env)
    summary = report.get("summary") or {}
    item = Item(
        "drift",
        "drift",
        TITLE,
        str(report.get("host") or source),
        summary={
            "exit_code": report.get("exit_code"),
            "drift": summary.get("drift", {}),
            "findings": summary.get("findings", {}),
            "unreadable": summary.get("unreadable", 0),
        },
        files={DRIFT_FILE.removeprefix("data/"): canonical_json(report)},
    )
    if report.get("exit_code") != 0:
        item.status = FAILED
        item.note = (
            "the workspace drifted from the code or a live object fails a check"
            if report.get("exit_code") == 1
            else "incomplete: some live objects could not be read"
        )
    return item.stamp(now, parse_time(report.get("generated_at")))
