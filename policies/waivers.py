"""Waivers: an accepted finding with an owner, a reason, a ticket and an expiry date.

`policies/waivers.yaml` holds them. A malformed or expired waiver fails the scan (exit 2); a waived
finding stays in every report with status `waived`.
"""

from __future__ import annotations

import datetime as dt
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lakeward.errors import LakewardError
from lakeward.locate import package_file
from lakeward.specfiles import load_yaml, read_text

WAIVERS_FILE = package_file("policies", "waivers.yaml")


class Waiver(BaseModel):
    """One accepted finding; `resource` and `stack` may use shell wildcards on the resource name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str = Field(
        pattern=r"^(CKV2?_[A-Z0-9]+_\d+|LKW_(DBX|AWS|DEPLOY)_\d{3})$", description="a check ID"
    )
    resource: str = Field(
        pattern=r"^[a-z0-9_]+\.[A-Za-z0-9_*?\[\]-]+$",
        description="type.name of the resource (name may use *)",
    )
    stack: str = Field(default="*", pattern=r"^[A-Za-z0-9_*?-]+$", description="the stack name (may use *)")
    owner: str = Field(min_length=2, description="the team or person who accepted the finding")
    reason: str = Field(min_length=20, description="why the finding is accepted, in a sentence or more")
    ticket: str = Field(pattern=r"^[A-Z][A-Z0-9]+-\d+$", description="the tracking ticket, such as SEC-123")
    expires: dt.date = Field(description="the date (YYYY-MM-DD) after which the waiver no longer applies")

    def matches(self, check_id: str, resource: str, stack: str) -> bool:
        resource_type, _, _ = resource.partition(".")
        return (
            self.check == check_id
            and self.resource.partition(".")[0] == resource_type
            and fnmatchcase(resource, self.resource)
            and fnmatchcase(stack, self.stack)
        )


def load_waivers(path: Path = WAIVERS_FILE, today: dt.date | None = None) -> list[Waiver]:
    """Parse and validate the waiver file; raise `LakewardError` on the first bad or expired waiver."""
    today = today or dt.date.today()
    source = str(path)
    data = load_yaml(read_text(path, what="waiver file", fix="create it with `waivers: []`"), source)
    if not isinstance(data, dict) or not isinstance(data.get("waivers"), list):
        raise LakewardError(
            "expected a mapping with a `waivers` list", source=source, fix="start with `waivers:`"
        )
    waivers = []
    for index, raw in enumerate(data["waivers"]):
        try:
            waiver = Waiver.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = ".".join(str(part) for part in error["loc"]) or "(entry)"
            info = Waiver.model_fields.get(str(error["loc"][0])) if error["loc"] else None
            fix = (
                f"set {name} to {info.description}"
                if info and info.description
                else "see policies/waivers.yaml"
            )
            raise LakewardError(
                error["msg"], source=source, field=f"waivers[{index}].{name}", fix=fix
            ) from None
        if waiver.expires < today:
            raise LakewardError(
                f"the waiver of {waiver.check} on {waiver.resource} expired on {waiver.expires}",
                source=source,
                field=f"waivers[{index}].expires",
                fix=f"fix the finding, or renew the waiver with ticket {waiver.ticket} and a new expiry date",
            )
        waivers.append(waiver)
    return waivers
