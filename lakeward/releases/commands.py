"""The `lakeward rollout ...` commands, each returning an `Outcome`: they change `releases/<env>.yaml`
for the pull request and move the MLflow aliases; `kill --now` also reaches the endpoint at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from infra.config import load_environment
from lakeward.errors import LakewardError
from lakeward.output import Outcome
from lakeward.releases.report import step_view
from lakeward.specfiles import checked_name
from lakeward.tenants.model import TENANT_NAME


def _registry(lakehouse: Path, tracking: Path | None, config: Path | None):
    from lakeward.releases.rollout import Registry
    from workloads.rag.commands import registry_folder

    rag, folder = registry_folder(lakehouse, tracking, config)
    return Registry(folder, rag)


def _target(env: str, releases: Path | None, endpoint: str | None):
    from lakeward.releases.rollout import target

    return target(load_environment(env), releases, endpoint)


def _percent(percent: int) -> int:
    if not 1 <= percent <= 99:
        raise LakewardError(
            f"{percent}% of the traffic", field="--percent", fix="pass 1 to 99; promote to send it all"
        )
    return percent


def _done(result) -> Outcome:
    data = result.to_json()
    return Outcome(data, step_view(data))


def canary(
    env: str,
    percent: int = 10,
    endpoint: str | None = None,
    releases: Path | None = None,
    lakehouse: Path = Path("out/lakehouse"),
    tracking: Path | None = None,
    config: Path | None = None,
    log: Path | None = None,
    recent: int = 100,
) -> Outcome:
    """Make the `candidate` version the challenger with `percent` of the traffic."""
    from lakeward.releases.rollout import canary as run

    where = _target(env, releases, endpoint)
    return _done(run(where, _registry(lakehouse, tracking, config), _percent(percent), log, recent))


def step(
    env: str,
    percent: int,
    shadow: Path,
    log: Path,
    endpoint: str | None = None,
    releases: Path | None = None,
    lakehouse: Path = Path("out/lakehouse"),
    tracking: Path | None = None,
    config: Path | None = None,
    recent: int = 100,
) -> Outcome:
    """Widen the challenger's share once the shadow, monitor and evaluation gates hold."""
    from lakeward.releases.rollout import step as run

    where = _target(env, releases, endpoint)
    registry = _registry(lakehouse, tracking, config)
    return _done(run(where, registry, _percent(percent), shadow, log, recent))


def promote(
    env: str,
    shadow: Path | None = None,
    log: Path | None = None,
    endpoint: str | None = None,
    releases: Path | None = None,
    lakehouse: Path = Path("out/lakehouse"),
    tracking: Path | None = None,
    config: Path | None = None,
    recent: int = 100,
) -> Outcome:
    """The challenger becomes champion (the champion `previous`); with no champion yet, the candidate."""
    from lakeward.releases.rollout import promote as run

    where = _target(env, releases, endpoint)
    return _done(run(where, _registry(lakehouse, tracking, config), shadow, log, recent))


def rollback(
    env: str,
    endpoint: str | None = None,
    releases: Path | None = None,
    lakehouse: Path = Path("out/lakehouse"),
    tracking: Path | None = None,
    config: Path | None = None,
) -> Outcome:
    """`previous` becomes champion again; the aliases follow where the MLflow folder exists."""
    from lakeward.releases.rollout import Registry
    from lakeward.releases.rollout import rollback as run
    from workloads.rag.commands import registry_folder

    where = _target(env, releases, endpoint)
    registry = None
    try:
        rag, folder = registry_folder(lakehouse, tracking, config)
        registry = Registry(folder, rag)
    except LakewardError as exc:
        if exc.field != "--tracking":
            raise
    return _done(run(where, registry))


def override(env: str, owner: str, reason: str, expires: str, releases: Path | None = None) -> Outcome:
    """Record a freeze override (owner, reason, expiry) in the release file."""
    from pydantic import ValidationError

    from lakeward.releases.files import RELEASES_DIR
    from lakeward.releases.model import FreezeOverride
    from lakeward.releases.rollout import record_override

    environment = load_environment(env)
    try:
        until = dt.date.fromisoformat(expires)
    except ValueError:
        raise LakewardError(f"{expires!r} is not a date", field="--expires", fix="use YYYY-MM-DD") from None
    today = dt.datetime.now(dt.UTC).date()
    try:
        entry = FreezeOverride(owner=owner, reason=" ".join(reason.split()), recorded=today, expires=until)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "--" + str(first["loc"][0]) if first["loc"] else "--expires"
        raise LakewardError(
            first["msg"].removeprefix("Value error, "),
            field=field,
            fix="an owner (name or e-mail), a reason of 10 to 500 characters, an expiry within 30 days",
        ) from None
    path = record_override(environment, releases or RELEASES_DIR, entry)
    data = {"file": str(path), "override": entry.model_dump(mode="json")}
    return Outcome(data, f"override by {owner} until {until.isoformat()} recorded in {path}\n")


def kill(
    env: str,
    endpoint: str | None = None,
    tenant: str | None = None,
    off: bool = False,
    now: bool = False,
    host: str | None = None,
    releases: Path | None = None,
) -> Outcome:
    """Turn a kill switch on (or `off`) in the release file; with `now`, also stop the traffic at once
    through the serving endpoints API."""
    from lakeward.releases.files import RELEASES_DIR
    from lakeward.releases.rollout import set_kill_switch

    environment = load_environment(env)
    spec = None
    if tenant is not None:
        if endpoint is not None:
            raise LakewardError("both --endpoint and --tenant", field="--tenant", fix="pass one of them")
        spec = _tenant(environment.name, tenant)
    if now and off:
        raise LakewardError(
            "--now stops traffic; restoring it goes through the reviewed deploy",
            field="--now",
            fix="drop --now: merge the release file change and apply the serving stack",
        )
    folder = releases or RELEASES_DIR
    path = set_kill_switch(environment, folder, endpoint, tenant, not off)
    applied = _kill_now(environment, endpoint, spec, host) if now else []
    what = f"tenant {tenant}" if tenant else f"endpoint {endpoint or environment.serving.endpoints[0].name}"
    state = "off" if off else "on"
    view = f"kill switch {state} for {what} in {path}" + (
        f"; applied now to {', '.join(applied)}" if applied else ""
    )
    return Outcome({"file": str(path), "kill_switch": not off, "applied_now": applied}, view + "\n")


def _tenant(env_name: str, name: str):
    """The spec of tenant `name`, which must list the environment among its workspaces."""
    from lakeward.tenants.loader import load_tenants, tenants_in

    checked_name(name, field="--tenant", pattern=TENANT_NAME, fix="pass a tenant name")
    found = {t.name: t for t in tenants_in(env_name, load_tenants())}
    if name not in found:
        raise LakewardError(
            f"no tenant {name} in {env_name}",
            field="--tenant",
            fix=f"use one of: {', '.join(found) or '(none)'}",
        )
    return found[name]


def _kill_now(environment, endpoint: str | None, tenant, host: str | None) -> list[str]:
    """Put the kill switch's rate limits on the endpoint, or on each of `tenant`'s endpoints, now."""
    from lakeward.releases.killswitch import admitting_only, put_limits, workspace_client
    from lakeward.releases.rollout import target
    from lakeward.tenants.namespace import Namespace

    if tenant is None:
        name = target(environment, None, endpoint).endpoint
        config = next(e for e in environment.serving.endpoints if e.name == name)
        limits = admitting_only(
            environment.groups.admins, config.calls_per_user_per_minute, config.calls_per_endpoint_per_minute
        )
        plan = {name: limits}
    else:
        serving = tenant.spec.serving
        limits = admitting_only(
            tenant.spec.groups.by_role()["admins"],
            serving.calls_per_user_per_minute,
            serving.calls_per_endpoint_per_minute,
        )
        namespace = Namespace.of(tenant, environment)
        plan = {namespace.name(e.name): limits for e in serving.endpoints}
    client = workspace_client(host)
    for name, limits in plan.items():
        put_limits(client, name, limits)
    return list(plan)
