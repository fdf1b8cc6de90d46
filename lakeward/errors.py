"""The one error type that commands turn into a clear message and a non-zero exit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LakewardError(Exception):
    """Bad input or a failed precondition, with where it came from and how to fix it."""

    message: str
    source: str | None = None
    field: str | None = None
    fix: str | None = None
    exit_code: int = 2

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.source, self.field) if part)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text}\n  fix: {self.fix}" if self.fix else text
