"""Rollout steps: each reads the release file, checks its gates, writes the changed file atomically for
the pull request and moves the MLflow aliases (`champion`, `challenger`, `previous`) to match.

    canary    the `candidate` version becomes the challenger with a small share of the traffic
    step      the challenger's share widens (shadow, monitor and evaluation gates)
    promote   the challenger becomes champion, the champion `previous` (same gates); with no champion
              yet, the candidate becomes the first one (evaluation gate)
    rollback  `previous` becomes champion again and any challenger leaves; no gate, no network
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from infra.config import Environment
from lakeward.errors import LakewardError
from lakeward.releases.files import load_releases, release_path, write_releases
from lakeward.releases.gates import Gate, check_freeze, evaluation_gate, monitor_gate, shadow_gate
from lakeward.releases.model import Challenger, EndpointRelease, FreezeOverride, ReleaseFile, Served

CANDIDATE, CHAMPION, CHALLENGER, PREVIOUS = "candidate", "champion", "challenger", "previous"


@dataclass(frozen=True)
class Target:
    """Where a step applies: the environment, its release file and one of its endpoints."""

    env: Environment
    folder: Path
    endpoint: str

    @property
    def path(self) -> Path:
        return release_path(self.folder, self.env.name)


@dataclass
class StepResult:
    action: str
    environment: str
    endpoint: str
    file: str
    before: dict
    after: dict
    aliases: dict[str, int | None]
    gates: list[Gate] = field(default_factory=list)
    override: FreezeOverride | None = None

    def to_json(self) -> dict:
        return {
            "action": self.action,
            "environment": self.environment,
            "endpoint": self.endpoint,
            "file": self.file,
            "before": self.before,
            "after": self.after,
            "aliases": self.aliases,
            "gates": [g.to_json() for g in self.gates],
            "override": self.override.model_dump(mode="json") if self.override else None,
        }


def target(env: Environment, folder: Path | None, endpoint: str | None) -> Target:
    """The endpoint named, or the environment's only one."""
    from lakeward.releases.files import RELEASES_DIR

    names = [e.name for e in env.serving.endpoints]
    if endpoint is None:
        if len(names) > 1:
            raise LakewardError(
                f"{env.name} has {len(names)} serving endpoints",
                field="--endpoint",
                fix=f"name one of: {', '.join(names)}",
            )
        endpoint = names[0]
    if endpoint not in names:
        raise LakewardError(
            f"{endpoint!r} is not one of {env.name}'s serving endpoints",
            field="--endpoint",
            fix=f"use one of: {', '.join(names)}",
        )
    return Target(env, folder or RELEASES_DIR, endpoint)


class Registry:
    """The MLflow registry the aliases live in, for one registered model."""

    def __init__(self, tracking: Path, config) -> None:
        from mlflow import MlflowClient

        from workloads.rag.tracking import use_tracking

        use_tracking(tracking)
        self.client, self.name, self.config = MlflowClient(), config.model_name, config

    def version(self, alias: str) -> int | None:
        from workloads.rag.release import alias_version

        found = alias_version(self.client, self.name, alias)
        return int(found) if found else None

    def require(self, version: int) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_model_version(self.name, str(version))
        except MlflowException:
            raise LakewardError(
                f"model {self.name} has no version {version} in this registry",
                field="--tracking",
                fix="point --tracking at the registry the release file's versions come from",
            ) from None

    def move(self, aliases: dict[str, int | None]) -> None:
        """Set each alias to its version, or delete it where the version is None."""
        for alias, version in aliases.items():
            if version is None:
                if self.version(alias) is not None:
                    self.client.delete_registered_model_alias(self.name, alias)
            else:
                self.client.set_registered_model_alias(self.name, alias, str(version))

    def evaluation(self, version: int, champion: int | None) -> Gate:
        return evaluation_gate(
            self.client, self.name, str(version), str(champion) if champion else None, self.config
        )


def _write(
    action: str,
    where: Target,
    releases: ReleaseFile,
    after: EndpointRelease,
    registry: Registry | None,
    aliases: dict[str, int | None],
    gates: list[Gate],
    override: FreezeOverride | None,
) -> StepResult:
    before = releases.endpoint(where.endpoint)
    changed = releases.model_copy(update={"endpoints": {**releases.endpoints, where.endpoint: after}})
    write_releases(where.path, changed)
    if registry is not None:
        registry.move(aliases)
    return StepResult(
        action,
        where.env.name,
        where.endpoint,
        str(where.path),
        before.model_dump(mode="json", exclude_none=True),
        after.model_dump(mode="json", exclude_none=True),
        aliases,
        gates,
        override,
    )


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def canary(where: Target, registry: Registry, percent: int, log: Path | None, recent: int) -> StepResult:
    """Send `percent` of the traffic to the `candidate` version beside the champion."""
    releases = load_releases(where.env, where.folder)
    current = releases.endpoint(where.endpoint)
    if current.champion is None:
        raise LakewardError(
            f"{where.endpoint} has no champion to compare a canary with",
            field="endpoints." + where.endpoint,
            fix="release the first version with `lakeward rollout promote`",
        )
    version = registry.version(CANDIDATE)
    if version is None:
        raise LakewardError(
            f"model {registry.name} has no `candidate` version",
            field="candidate",
            fix="register one with `lakeward eval ... --register`",
        )
    if version == current.champion.version:
        raise LakewardError(
            f"the candidate is the champion (version {version})",
            field="candidate",
            fix="register a new candidate",
        )
    gates = [registry.evaluation(version, current.champion.version)]
    if log is not None:
        gates.append(monitor_gate(log, recent))
    override = check_freeze(gates, releases, _today())
    after = current.model_copy(update={"challenger": Challenger(version=version, traffic_percent=percent)})
    return _write("canary", where, releases, after, registry, {CHALLENGER: version}, gates, override)


def _rollout_gates(
    registry: Registry, current: EndpointRelease, shadow: Path, log: Path, recent: int
) -> list[Gate]:
    assert current.champion is not None and current.challenger is not None
    return [
        shadow_gate(shadow, current.champion.version, current.challenger.version),
        monitor_gate(log, recent),
        registry.evaluation(current.challenger.version, current.champion.version),
    ]


def _challenged(releases: ReleaseFile, where: Target) -> EndpointRelease:
    current = releases.endpoint(where.endpoint)
    if current.challenger is None:
        raise LakewardError(
            f"{where.endpoint} has no challenger",
            field="endpoints." + where.endpoint,
            fix="start one with `lakeward rollout canary`",
        )
    return current


def step(where: Target, registry: Registry, percent: int, shadow: Path, log: Path, recent: int) -> StepResult:
    """Widen the challenger's share to `percent` once the shadow, monitor and evaluation gates hold."""
    releases = load_releases(where.env, where.folder)
    current = _challenged(releases, where)
    assert current.challenger is not None
    if percent <= current.challenger.traffic_percent:
        raise LakewardError(
            f"the challenger already has {current.challenger.traffic_percent}% of the traffic",
            field="--percent",
            fix=f"widen it: pass more than {current.challenger.traffic_percent} (up to 99), or promote it",
        )
    gates = _rollout_gates(registry, current, shadow, log, recent)
    override = check_freeze(gates, releases, _today())
    after = current.model_copy(
        update={"challenger": current.challenger.model_copy(update={"traffic_percent": percent})}
    )
    return _write("step", where, releases, after, registry, {}, gates, override)


def promote(
    where: Target, registry: Registry, shadow: Path | None, log: Path | None, recent: int
) -> StepResult:
    """The challenger takes all the traffic and the champion becomes `previous`; on an endpoint with no
    champion yet, the `candidate` becomes the first champion."""
    releases = load_releases(where.env, where.folder)
    current = releases.endpoint(where.endpoint)
    if current.champion is None:
        version = registry.version(CANDIDATE)
        if version is None:
            raise LakewardError(
                f"model {registry.name} has no `candidate` version",
                field="candidate",
                fix="register one with `lakeward eval ... --register`",
            )
        gates = [registry.evaluation(version, None)]
        override = check_freeze(gates, releases, _today())
        after = EndpointRelease(champion=Served(version=version), kill_switch=current.kill_switch)
        return _write("promote", where, releases, after, registry, {CHAMPION: version}, gates, override)
    current = _challenged(releases, where)
    if shadow is None or log is None:
        raise LakewardError(
            "promoting a challenger needs the shadow report and the request log",
            field="--shadow" if shadow is None else "--log",
            fix="pass --shadow REPORT (from `lakeward shadow --out`) and --log REQUESTS",
        )
    assert current.challenger is not None and current.champion is not None
    gates = _rollout_gates(registry, current, shadow, log, recent)
    override = check_freeze(gates, releases, _today())
    winner, champion = current.challenger.version, current.champion.version
    after = EndpointRelease(
        champion=Served(version=winner), previous=Served(version=champion), kill_switch=current.kill_switch
    )
    aliases: dict[str, int | None] = {CHAMPION: winner, PREVIOUS: champion, CHALLENGER: None}
    return _write("promote", where, releases, after, registry, aliases, gates, override)


def rollback(where: Target, registry: Registry | None) -> StepResult:
    """`previous` becomes champion again and any challenger leaves; works offline, without gates. With
    a registry, the aliases follow."""
    releases = load_releases(where.env, where.folder)
    current = releases.endpoint(where.endpoint)
    if current.previous is None:
        raise LakewardError(
            f"{where.endpoint} has no previous version to return to",
            field="endpoints." + where.endpoint + ".previous",
            fix="nothing to roll back to: stop traffic with `lakeward rollout kill` instead",
        )
    if registry is not None:
        registry.require(current.previous.version)
    after = EndpointRelease(champion=current.previous, kill_switch=current.kill_switch)
    aliases: dict[str, int | None] = {CHAMPION: current.previous.version, PREVIOUS: None, CHALLENGER: None}
    return _write("rollback", where, releases, after, registry, aliases, [], None)


def record_override(env: Environment, folder: Path, override: FreezeOverride) -> Path:
    """Append a freeze override to the release file."""
    releases = load_releases(env, folder)
    path = release_path(folder, env.name)
    write_releases(
        path, releases.model_copy(update={"freeze_overrides": [*releases.freeze_overrides, override]})
    )
    return path


def set_kill_switch(
    env: Environment, folder: Path, endpoint: str | None, tenant: str | None, on: bool
) -> Path:
    """Turn the kill switch of one endpoint, or of one tenant's endpoints, on or off in the file."""
    from lakeward.releases.model import TenantRelease

    releases = load_releases(env, folder)
    update: dict[str, object]
    if tenant is not None:
        update = {"tenants": {**releases.tenants, tenant: TenantRelease(kill_switch=on)}}
    else:
        name = target(env, folder, endpoint).endpoint
        current = releases.endpoint(name)
        update = {"endpoints": {**releases.endpoints, name: current.model_copy(update={"kill_switch": on})}}
    path = release_path(folder, env.name)
    write_releases(path, releases.model_copy(update=update))
    return path
