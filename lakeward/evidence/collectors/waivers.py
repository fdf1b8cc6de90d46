"""Waivers (`policies/waivers.yaml`) with their expiry status as of the export time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from lakeward.errors import LakewardError
from lakeward.evidence.items import FAILED, Item, not_evaluated
from lakeward.evidence.verifier import canonical_json

EXPIRING_DAYS = 30
REQUIRED = ("check", "resource", "owner", "reason", "ticket", "expires")


def waiver_status(expires: dt.date, today: dt.date) -> str:
    """`expired` after its date, `expiring` within 30 days, else `active`."""
    if expires < today:
        return "expired"
    return "expiring" if (expires - today).days <= EXPIRING_DAYS else "active"


def _date(value: Any, source: str, index: int) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise LakewardError(
            f"expires {value!r} is not a date",
            source=source,
            field=f"waivers[{index}].expires",
            fix="use YYYY-MM-DD",
        ) from None


def collect_waivers(path: Path | None, now: dt.datetime) -> Item:
    title = "Waivers and their expiry"
    if path is None or not path.is_file():
        return not_evaluated("waivers", "waivers", title, str(path), "no waiver file")
    source = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LakewardError(f"not valid YAML: {exc}", source=source, fix="correct the YAML syntax") from None
    if not isinstance(data, dict) or not isinstance(data.get("waivers"), list):
        raise LakewardError(
            "expected a mapping with a `waivers` list", source=source, fix="start with `waivers:`"
        )
    today = now.date()
    waivers = []
    for index, raw in enumerate(data["waivers"]):
        missing = [key for key in REQUIRED if not isinstance(raw, dict) or key not in raw]
        if missing:
            raise LakewardError(
                f"missing {', '.join(missing)}",
                source=source,
                field=f"waivers[{index}]",
                fix="every waiver names check, resource, owner, reason, ticket and expires",
            )
        expires = _date(raw["expires"], source, index)
        waivers.append(
            {
                "check": str(raw["check"]),
                "resource": str(raw["resource"]),
                "stack": str(raw.get("stack", "*")),
                "owner": str(raw["owner"]),
                "reason": " ".join(str(raw["reason"]).split()),
                "ticket": str(raw["ticket"]),
                "expires": expires.isoformat(),
                "status": waiver_status(expires, today),
            }
        )
    counts = {s: sum(w["status"] == s for w in waivers) for s in ("active", "expiring", "expired")}
    item = Item(
        "waivers",
        "waivers",
        title,
        path.name,
        summary={"waivers": len(waivers), **counts},
        files={"policies/waivers.json": canonical_json(waivers)},
    )
    if counts["expired"]:
        item.status = FAILED
        item.note = f"{counts['expired']} expired waiver(s): the findings they covered are unaccepted"
    return item.stamp(now, derived=True)
