"""Evidence items, their clock and their freshness.

Every item carries `collected_at` (the source's own timestamp when it declares one, else the export
time) and `expires_at` (collected_at plus the kind's maximum age). An item past `expires_at` when the
bundle is exported is `stale`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

from lakeward.errors import LakewardError

# Item statuses.
COLLECTED, FAILED, NOT_EVALUATED, STALE = "collected", "fail", "not evaluated", "stale"

# How long each kind of evidence stays current, in days.
MAX_AGE_DAYS: dict[str, int] = {
    "stacks": 30,
    "access-matrix": 30,
    "environment": 90,
    "tenants": 90,
    "scan": 7,
    "tests": 7,
    "security-tests": 7,
    "rehearsal": 30,
    "waivers": 30,
    "releases": 30,
    "playbooks": 90,
    "lineage": 7,
    "models": 30,
    "prompts": 30,
    "evaluations": 30,
    "provenance": 90,
    "audit-log": 1,
    "system-lineage": 7,
    "drift": 1,
}


def export_time() -> dt.datetime:
    """`SOURCE_DATE_EPOCH` when set (reproducible exports), else now; UTC, whole seconds."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    except ValueError:
        raise LakewardError(
            f"SOURCE_DATE_EPOCH={value!r} is not an integer",
            field="SOURCE_DATE_EPOCH",
            fix="set it to seconds since 1970, e.g. $(git log -1 --format=%ct), or unset it",
        ) from None


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 string or epoch milliseconds as an aware UTC datetime; None if unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass
class Item:
    """One piece of evidence: what it is, where it came from, how fresh, and the files it adds."""

    id: str
    kind: str
    title: str
    source: str
    status: str = COLLECTED
    collected_at: str | None = None
    expires_at: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    note: str = ""

    def stamp(self, now: dt.datetime, source_time: dt.datetime | None = None, derived: bool = False) -> Item:
        """Set collected_at/expires_at from the source's time (or now) and mark the item stale if due.

        `derived` items are computed from the commit at export time, so the export time is their time.
        """
        collected = (source_time or now).astimezone(dt.UTC)
        expires = collected + dt.timedelta(days=MAX_AGE_DAYS[self.kind])
        self.collected_at, self.expires_at = iso(collected), iso(expires)
        if source_time is None and not derived:
            self.note = (self.note + "; " if self.note else "") + "source declares no time: export time used"
        if expires < now and self.status == COLLECTED:
            self.status = STALE
        return self

    def index_entry(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "source": self.source,
            "status": self.status,
            "collected_at": self.collected_at,
            "expires_at": self.expires_at,
            "summary": self.summary,
            "files": sorted(self.files),
            "note": self.note,
        }


def not_evaluated(id_: str, kind: str, title: str, source: str, reason: str) -> Item:
    """The honest answer for an absent source."""
    return Item(id_, kind, title, source, status=NOT_EVALUATED, note=reason)
