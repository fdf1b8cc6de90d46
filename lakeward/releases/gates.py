"""The gates a rollout step passes: the evaluation of the version going out, the drift monitor over
recent requests and the shadow comparison of challenger with champion.

A breached gate freezes promotion: the step is refused with exit code 5 naming each breach, unless the
release file holds a freeze override (owner, reason, expiry) active today. Missing evidence (no request
log, no shadow report, a report about other versions) is not a breach but bad input (exit 2): an
override cannot stand in for it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from lakeward.errors import LakewardError
from lakeward.releases.model import FreezeOverride, ReleaseFile
from lakeward.specfiles import read_text

EXIT_FROZEN = 5


@dataclass(frozen=True)
class Gate:
    name: str
    passed: bool
    detail: str

    def to_json(self) -> dict:
        return asdict(self)


def evaluation_gate(client, model: str, version: str, champion: str | None, config) -> Gate:
    """The release thresholds on the metrics `lakeward eval --register` logged for `version`."""
    from workloads.rag.release import gate_checks

    failures = [c for c in gate_checks(client, model, version, champion, config.release) if not c.passed]
    detail = "; ".join(
        f"{c.metric} = {'missing' if c.value is None else round(c.value, 4)} "
        f"(needs {c.operator} {c.threshold:g})"
        for c in failures
    )
    return Gate("evaluation", not failures, detail or f"version {version} meets the release thresholds")


def monitor_gate(log: Path, recent: int) -> Gate:
    """No drift between the last `recent` requests and the earlier ones (`lakeward monitor`)."""
    from workloads.rag.monitor import compare, read_requests

    result = compare(read_requests(log), recent)
    if result.breaches:
        return Gate("monitor", False, f"drift on {', '.join(result.breaches)}")
    return Gate("monitor", True, f"no drift over the last {recent} requests")


def shadow_gate(report: Path, champion: int, challenger: int) -> Gate:
    """The shadow report `lakeward shadow --out` wrote for exactly these two versions."""
    text = read_text(report, what="shadow report", fix="run `lakeward shadow --out FILE` first")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
        raise LakewardError(
            "not a shadow report",
            source=str(report),
            field="--shadow",
            fix="pass the file `lakeward shadow --out` wrote",
        )
    compared = (data.get("champion"), data.get("challenger"))
    if compared != (champion, challenger):
        raise LakewardError(
            f"the report compares versions {compared[1]} against {compared[0]}, "
            f"not {challenger} against {champion}",
            source=str(report),
            field="--shadow",
            fix="run `lakeward shadow` again for the release file's champion and challenger",
        )
    failed = [str(c.get("metric")) for c in data["checks"] if isinstance(c, dict) and not c.get("passed")]
    if failed:
        return Gate(
            "shadow", False, f"challenger {challenger} fails {', '.join(failed)} against champion {champion}"
        )
    return Gate("shadow", True, f"challenger {challenger} holds up against champion {champion}")


def check_freeze(gates: list[Gate], releases: ReleaseFile, today: dt.date) -> FreezeOverride | None:
    """Pass when every gate passed; with breaches, the active override that lets the step proceed, or
    the error that refuses it."""
    breaches = [g for g in gates if not g.passed]
    if not breaches:
        return None
    override = releases.active_override(today)
    if override is not None:
        return override
    raise LakewardError(
        "promotion is frozen: " + "; ".join(f"{g.name}: {g.detail}" for g in breaches),
        field=breaches[0].name,
        fix="fix the cause and run again, or record an override with "
        "`lakeward rollout override --owner ... --reason ... --expires YYYY-MM-DD`",
        exit_code=EXIT_FROZEN,
    )
