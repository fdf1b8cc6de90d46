"""Read the live workspace through databricks-sdk 0.162, one reader per kind of object, nothing written.

Each reader yields `LiveObject`s in the provider's resource shape (`lakeward.drift.shapes`). Lists are
read to their last page (the SDK follows `next_page_token` for jobs and log delivery, and SCIM's
`startIndex` for service principals; grants are paged here, `max_results=0` then `page_token`, as the
Unity Catalog permissions API asks: https://docs.databricks.com/api/workspace/grants/get). An object
listed but gone by the time it is read (404) is noted as vanished and treated as absent; a reader the
credentials may not use (403) is noted as unreadable and its objects are neither matched nor reported
as removed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from databricks.sdk import AccountClient, WorkspaceClient
from databricks.sdk.errors import DatabricksError, NotFound, PermissionDenied

from lakeward.drift import shapes
from lakeward.drift.code import Code
from lakeward.drift.connect import call
from lakeward.drift.keys import natural_key

# workspace_conf keys the policy pack reads (policies/checks/workspace.py), read even when the code
# sets none of them so the live posture is judged on the same keys.
PACK_CONF_KEYS = (
    "enableTokensConfig",
    "maxTokenLifetimeDays",
    "enableIpAccessLists",
    "enableVerboseAuditLogs",
    "enableResultsDownloading",
    "enableExportNotebook",
    "enableEnforceImdsV2",
    "enableDeprecatedGlobalInitScripts",
)


@dataclass(frozen=True)
class LiveObject:
    """One object of the workspace, keyed as its code would be (`lakeward.drift.keys`)."""

    type: str
    key: str
    attributes: dict[str, Any]


@dataclass
class LiveRead:
    """What the readers found, and what they could not read."""

    host: str
    objects: list[LiveObject] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    attempted: set[str] = field(default_factory=set)

    @property
    def complete(self) -> set[str]:
        """Types whose every reader answered: only for these does a missing object mean `removed`."""
        return self.attempted - {entry["type"] for entry in self.unreadable}

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(obj.type for obj in self.objects).items()))


def _object(type_: str, attributes: dict[str, Any]) -> LiveObject | None:
    key = natural_key(type_, attributes)
    return LiveObject(type_, key, attributes) if key else None


class _Reader:
    """Runs the readers of one host and collects their objects and problems into `read`."""

    def __init__(self, read: LiveRead, host: str) -> None:
        self.read = read
        self.host = host

    def run(self, type_: str, what: str, reader: Callable[[], Iterable[LiveObject | None]]) -> None:
        """Run one reader; a 403 or another API error marks `type_` as not fully read."""
        self.read.attempted.add(type_)
        try:
            found = call(self.host, lambda: [obj for obj in reader() if obj is not None])
        except PermissionDenied as exc:
            self.read.unreadable.append({"type": type_, "what": what, "reason": f"permission denied: {exc}"})
            return
        except DatabricksError as exc:
            reason = f"{type(exc).__name__}: {exc}"
            self.read.unreadable.append({"type": type_, "what": what, "reason": reason})
            return
        self.read.objects.extend(found)

    def gone(self, what: str, get: Callable[[], Any]) -> Any:
        """One get after a list; None (and a note) when the object was deleted in between."""
        try:
            return get()
        except NotFound:
            self.read.vanished.append(what)
            return None


def read_live(
    client: WorkspaceClient, host: str, code: Code, account: AccountClient | None = None
) -> LiveRead:
    """Every kind of object drift covers; grants, ACLs, principals and settings where the code has some;
    with `account`, the account's workspaces, networks, private access settings and log delivery."""
    read = LiveRead(host)
    reader = _Reader(read, host)
    w = client
    for type_, what, shape, listing in (
        ("databricks_cluster_policy", "cluster policies", shapes.cluster_policy, w.cluster_policies.list),
        ("databricks_instance_pool", "instance pools", shapes.instance_pool, w.instance_pools.list),
        ("databricks_ip_access_list", "IP access lists", shapes.ip_access_list, w.ip_access_lists.list),
        ("databricks_secret_scope", "secret scopes", shapes.secret_scope, w.secrets.list_scopes),
    ):
        reader.run(type_, what, partial(_listed, type_, shape, listing))
    reader.run("databricks_job", "jobs", partial(_jobs, reader, w))
    reader.run("databricks_model_serving", "serving endpoints", partial(_endpoints, reader, w))
    live_scopes = {obj.key for obj in read.objects if obj.type == "databricks_secret_scope"}
    for scope in code.names("databricks_secret_scope"):
        if scope in live_scopes:
            reader.run("databricks_secret_acl", f"ACLs of secret scope {scope}", partial(_acls, w, scope))
    for securable, name in code.securables():
        reader.run("databricks_grants", f"grants on {securable} {name}", partial(_grants, w, securable, name))
    for name in code.names("databricks_service_principal"):
        reader.run("databricks_service_principal", f"service principal {name}", partial(_principals, w, name))
    if code.of("databricks_workspace_conf"):
        keys = sorted(set(code.conf_keys()) | set(PACK_CONF_KEYS))
        reader.run("databricks_workspace_conf", "workspace_conf", partial(_conf, w, keys))
    for type_ in code.settings():
        reader.run(type_, f"setting {shapes.SETTINGS[type_][0]}", partial(_setting, w, type_))
    if account is not None:
        _read_account(_Reader(read, account.config.host or ""), account)
    return read


def _read_account(reader: _Reader, a: AccountClient) -> None:
    """The account objects the account stack declares (`/api/2.0/accounts/{account_id}/...`)."""
    for type_, what, listing in (
        ("databricks_mws_workspaces", "account workspaces", a.workspaces.list),
        ("databricks_mws_networks", "account networks", a.networks.list),
        ("databricks_mws_private_access_settings", "private access settings", a.private_access.list),
        ("databricks_mws_log_delivery", "log delivery configurations", a.log_delivery.list),
    ):
        reader.run(type_, what, partial(_listed, type_, shapes.account_object, listing))


def _listed(
    type_: str, shape: Callable[[dict[str, Any]], dict[str, Any]], listing: Callable[[], Iterable[Any]]
) -> Iterator[LiveObject | None]:
    for item in listing():
        yield _object(type_, shape(item.as_dict()))


def _principals(w: WorkspaceClient, name: str) -> Iterator[LiveObject | None]:
    for principal in w.service_principals.list(filter=f'displayName eq "{name}"'):
        yield _object("databricks_service_principal", shapes.service_principal(principal.as_dict()))


def _conf(w: WorkspaceClient, keys: list[str]) -> Iterator[LiveObject | None]:
    status = w.workspace_conf.get_status(keys=",".join(keys)) or {}
    yield _object("databricks_workspace_conf", shapes.workspace_conf(dict(status)))


def _jobs(reader: _Reader, w: WorkspaceClient) -> Iterator[LiveObject | None]:
    for brief in w.jobs.list():
        if brief.job_id is None:
            continue
        job_id = brief.job_id
        full = reader.gone(f"job {job_id}", partial(w.jobs.get, job_id=job_id))
        if full is not None:
            yield _object("databricks_job", shapes.job(full.as_dict()))


def _endpoints(reader: _Reader, w: WorkspaceClient) -> Iterator[LiveObject | None]:
    for brief in w.serving_endpoints.list():
        name = brief.name
        if not name:
            continue
        full = reader.gone(f"serving endpoint {name}", partial(w.serving_endpoints.get, name=name))
        if full is not None:
            yield _object("databricks_model_serving", shapes.serving_endpoint(full.as_dict()))


def _acls(w: WorkspaceClient, scope: str) -> Iterator[LiveObject | None]:
    for item in w.secrets.list_acls(scope=scope):
        yield _object("databricks_secret_acl", shapes.secret_acl(scope, item.as_dict()))


def _grants(w: WorkspaceClient, securable: str, name: str) -> Iterator[LiveObject | None]:
    """Every page of the permissions on one securable; a securable that does not exist has none."""
    assignments: list[dict[str, Any]] = []
    token: str | None = None
    try:
        while True:
            page = w.grants.get(securable_type=securable, full_name=name, max_results=0, page_token=token)
            assignments += [a.as_dict() for a in page.privilege_assignments or []]
            token = page.next_page_token
            if not token:
                break
    except NotFound:
        return
    yield _object("databricks_grants", shapes.grants(securable, name, assignments))


def _setting(w: WorkspaceClient, type_: str) -> Iterator[LiveObject | None]:
    """A workspace setting; one never set answers 404 and has no live object."""
    api = getattr(w.settings, shapes.SETTINGS[type_][1])
    try:
        body = api.get()
    except NotFound:
        return
    yield _object(type_, shapes.setting(body.as_dict()))
