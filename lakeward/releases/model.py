"""The release file of one environment, `releases/<env>.yaml`, as a typed model.

    endpoints:
      lakeward-rag:
        champion: {version: 3}
        previous: {version: 2}
        challenger: {version: 4, traffic_percent: 10}
        kill_switch: false
    tenants:
      claims_analytics: {kill_switch: true}
    freeze_overrides:
      - {owner: jane@example.com, reason: "drift is the new product launch", expires: 2026-12-05}

An endpoint without a champion is not rendered (the first deploy needs no model); a challenger takes
`traffic_percent` of the traffic and the champion the rest.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, model_validator

from infra.config import ENVIRONMENT_NAME
from infra.text import SpecModel
from lakeward.tenants.model import TENANT_NAME

MAX_OVERRIDE_DAYS = 30
Owner = Annotated[str, Field(min_length=2, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._@+-]*$")]


class Served(SpecModel):
    version: int = Field(ge=1, le=1_000_000_000, description="a registered model version number")


class Challenger(Served):
    traffic_percent: int = Field(ge=1, le=99, description="the challenger's share of traffic, 1 to 99")


class EndpointRelease(SpecModel):
    champion: Served | None = None
    previous: Served | None = Field(default=None, description="what `lakeward rollout rollback` restores")
    challenger: Challenger | None = None
    kill_switch: bool = Field(default=False, description="true admits only the platform admins")

    @model_validator(mode="after")
    def _consistent(self) -> EndpointRelease:
        if self.challenger and self.champion is None:
            raise ValueError("a challenger needs a champion to share traffic with; remove the challenger")
        if self.challenger and self.champion and self.challenger.version == self.champion.version:
            raise ValueError(f"the challenger is the champion (version {self.champion.version})")
        return self


class TenantRelease(SpecModel):
    kill_switch: bool = Field(default=False, description="true admits only the platform admins")


class FreezeOverride(SpecModel):
    """Promotion proceeds despite a freeze until `expires` (inclusive), on an owner's word."""

    owner: Owner = Field(description="who answers for the override")
    reason: Annotated[str, Field(min_length=10, max_length=500, description="why, 10 to 500 characters")]
    recorded: dt.date = Field(description="the day the override was recorded (YYYY-MM-DD)")
    expires: dt.date = Field(description="the last day it holds (YYYY-MM-DD)")

    @model_validator(mode="after")
    def _bounded(self) -> FreezeOverride:
        if self.expires < self.recorded:
            raise ValueError("expires is before recorded")
        if (self.expires - self.recorded).days > MAX_OVERRIDE_DAYS:
            raise ValueError(f"an override holds at most {MAX_OVERRIDE_DAYS} days after it is recorded")
        return self

    def active(self, today: dt.date) -> bool:
        return self.recorded <= today <= self.expires


class ReleaseFile(SpecModel):
    endpoints: dict[Annotated[str, Field(pattern=f"^{ENVIRONMENT_NAME}$")], EndpointRelease] = Field(
        default_factory=dict, max_length=50, description="endpoint name: its release"
    )
    tenants: dict[Annotated[str, Field(pattern=TENANT_NAME)], TenantRelease] = Field(
        default_factory=dict, max_length=1000, description="tenant name: its kill switch"
    )
    freeze_overrides: list[FreezeOverride] = Field(default_factory=list, max_length=100)

    def endpoint(self, name: str) -> EndpointRelease:
        return self.endpoints.get(name, EndpointRelease())

    def tenant_killed(self, name: str) -> bool:
        return self.tenants.get(name, TenantRelease()).kill_switch

    def active_override(self, today: dt.date) -> FreezeOverride | None:
        return next((o for o in reversed(self.freeze_overrides) if o.active(today)), None)
