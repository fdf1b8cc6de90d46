"""What one preflight check found, and the report that collects them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

BLOCKERS_EXIT_CODE = 1


class Status(StrEnum):
    OK = "ok"
    BLOCKER = "blocker"
    MANUAL = "manual"
    NOT_EVALUATED = "not evaluated"


@dataclass(frozen=True)
class Check:
    """One fact about the accounts: what was read, what it means, and how to fix it when it blocks."""

    id: str
    title: str
    status: Status
    found: str
    fix: str | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "found": self.found,
            "fix": self.fix,
            "source": self.source,
        }


@dataclass(frozen=True)
class Report:
    environment: str
    checks: list[Check]

    @property
    def blockers(self) -> int:
        return sum(check.status is Status.BLOCKER for check in self.checks)

    @property
    def exit_code(self) -> int:
        """0 when nothing blocks the deploy (manual and unevaluated checks do not), else 1."""
        return BLOCKERS_EXIT_CODE if self.blockers else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "checks": [check.as_dict() for check in self.checks],
            "blockers": self.blockers,
        }
