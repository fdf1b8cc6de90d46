"""Databricks preflight checks through databricks-sdk: who deploys, with which roles, into which account.

Account-level reads (AccountClient): SCIM service principals, users and groups, workspaces, metastores.
When the environment's workspace already runs, workspace-level reads (WorkspaceClient) add SCIM Me and
the current metastore assignment. Nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from databricks.sdk import AccountClient, WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors import DatabricksError, NotFound, PermissionDenied, Unauthenticated
from databricks.sdk.service.provisioning import Workspace, WorkspaceStatus

from infra.config import Environment
from lakeward.errors import LakewardError
from lakeward.preflight.checks import Check, Status

ACCOUNT_ADMIN_ROLE = "account_admin"
WORKSPACE_ADMINS_GROUP = "admins"
ROLE_SOURCE = "https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/service_principal_role"
ADMIN_SOURCE = (
    "https://docs.databricks.com/data-governance/unity-catalog/manage-privileges/admin-privileges.html"
)
METASTORE_SOURCE = (
    "https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/metastore_assignment"
)
DEPLOYMENT_SOURCE = (
    "https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/mws_workspaces"
)
WORKSPACE_URL_SOURCE = "https://docs.databricks.com/api/account/workspaces/get"
# A workspace created without a deployment name gets a generated one such as dbc-1a2b3c4d-5e6f.
GENERATED_DEPLOYMENT = re.compile(r"dbc-[0-9a-f]{8}-[0-9a-f]{4}")

T = TypeVar("T")


@dataclass(frozen=True)
class DatabricksCredentials:
    """The account console URL, the account ID and one way to sign in, from DATABRICKS_* variables."""

    host: str
    account_id: str
    client_id: str | None = None
    client_secret: str | None = None
    token: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], account_id: str) -> DatabricksCredentials:
        """Read the variables; DATABRICKS_ACCOUNT_ID defaults to `account_id`, the environment's."""
        host = environ.get("DATABRICKS_HOST", "").rstrip("/")
        client_id = environ.get("DATABRICKS_CLIENT_ID")
        client_secret = environ.get("DATABRICKS_CLIENT_SECRET")
        token = environ.get("DATABRICKS_TOKEN")
        missing = [] if host else ["DATABRICKS_HOST"]
        if not (client_id and client_secret) and not token:
            missing.append("DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (or DATABRICKS_TOKEN)")
        if missing:
            raise LakewardError(
                f"no Databricks credentials: {' and '.join(missing)} not set",
                field=", ".join(missing),
                fix="export DATABRICKS_HOST=https://accounts.cloud.databricks.com, DATABRICKS_ACCOUNT_ID and "
                "the deploying service principal's DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET "
                "(or DATABRICKS_TOKEN)",
            )
        if client_id and client_secret:
            return cls(host, environ.get("DATABRICKS_ACCOUNT_ID") or account_id, client_id, client_secret)
        return cls(host, environ.get("DATABRICKS_ACCOUNT_ID") or account_id, token=token)

    def auth(self) -> dict[str, Any]:
        timeouts = {"http_timeout_seconds": 30, "retry_timeout_seconds": 60}
        if self.client_id:
            return {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "auth_type": "oauth-m2m",
                **timeouts,
            }
        return {"token": self.token, "auth_type": "pat", **timeouts}

    def account_client(self) -> AccountClient:
        return AccountClient(config=_sign_in(host=self.host, account_id=self.account_id, **self.auth()))

    def workspace_client(self, host: str) -> WorkspaceClient:
        return WorkspaceClient(config=_sign_in(host=host, **self.auth()))


def _sign_in(**settings: Any) -> Config:
    """The SDK's configuration, signed in; a sign-in that fails (bad host, refused secret) is bad input."""
    try:
        return Config(**settings)
    except ValueError as exc:
        raise LakewardError(
            f"cannot sign in to Databricks: {exc}",
            field="DATABRICKS_HOST and DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET or DATABRICKS_TOKEN",
            fix="check the account console URL and the deploying identity's credentials",
        ) from None


@dataclass(frozen=True)
class Identity:
    """The deploying identity as the account's SCIM API describes it."""

    kind: str
    name: str
    id: str
    roles: frozenset[str]
    groups: frozenset[str]

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name} (id {self.id})"


class Refused(Exception):
    """An API call the checks depend on failed; the message says which and why."""

    def __init__(self, message: str, error: DatabricksError | None = None) -> None:
        super().__init__(message)
        self.error = error


def workspace_url(workspace: Workspace) -> str:
    """The workspace URL the account API implies: https://<deployment_name>.cloud.databricks.com."""
    return f"https://{workspace.deployment_name}.cloud.databricks.com"


def _read(what: str, call: Callable[[], T]) -> T:
    """Run one read; refused credentials end the run, other API errors become `Refused`."""
    try:
        return call()
    except Unauthenticated as exc:
        raise LakewardError(
            f"the Databricks API refused the credentials ({exc})",
            field="DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET or DATABRICKS_TOKEN",
            fix="use valid credentials of the deploying identity for this account",
        ) from None
    except PermissionDenied as exc:
        raise Refused(f"{what}: permission denied ({exc})", exc) from None
    except DatabricksError as exc:
        raise Refused(f"{what}: {exc.__class__.__name__} ({exc})", exc) from None


def databricks_checks(
    env: Environment,
    credentials: DatabricksCredentials,
    workspace_host: Callable[[Workspace], str] = workspace_url,
) -> list[Check]:
    """Run every Databricks check against the account (and the environment's workspace if it exists)."""
    expected = env.databricks.account_id
    if credentials.account_id != expected:
        return [
            Check(
                "databricks.account",
                "Databricks account",
                Status.BLOCKER,
                f"DATABRICKS_ACCOUNT_ID is {credentials.account_id}, the environment's is {expected}",
                f"export DATABRICKS_ACCOUNT_ID={expected}, or correct databricks.account_id",
            )
        ]
    account = credentials.account_client()
    checks = [
        Check("databricks.account", "Databricks account", Status.OK, f"{expected} at {credentials.host}")
    ]
    try:
        workspaces = _read("list workspaces", lambda: list(account.workspaces.list()))
    except Refused as exc:
        workspaces = []
        checks.append(
            Check(
                "databricks.workspaces",
                "account workspaces",
                Status.BLOCKER,
                str(exc),
                "give the deploying identity the account admin role",
                ROLE_SOURCE,
            )
        )
    own = next((ws for ws in workspaces if ws.workspace_name == env.workspace.name), None)
    workspace = credentials.workspace_client(workspace_host(own)) if own and _running(own) else None
    identity, identity_check = _identity(account, workspace, credentials)
    checks.append(identity_check)
    metastore_check, metastore_id, owner = _metastore(env, account)
    checks.append(metastore_check)
    checks.append(_metastore_admin(account, identity, owner))
    checks.append(_deployment_name(env, workspaces))
    checks.extend(_workspace_checks(env, own, workspace, metastore_id))
    return checks


def _running(workspace: Workspace | None) -> bool:
    return workspace is not None and workspace.workspace_status == WorkspaceStatus.RUNNING


def _identity(
    account: AccountClient, workspace: WorkspaceClient | None, credentials: DatabricksCredentials
) -> tuple[Identity | None, Check]:
    """Find the deploying identity in account SCIM and check its account admin role."""
    title = "deploying identity is an account admin"
    try:
        identity = _find_identity(account, workspace, credentials)
    except Refused as exc:
        return None, Check(
            "databricks.account_admin",
            title,
            Status.BLOCKER,
            str(exc),
            "give the deploying identity the account admin role (account console > User management); "
            "only account admins read account SCIM and create the databricks_mws_* resources",
            ROLE_SOURCE,
        )
    if identity is None:
        return None, Check(
            "databricks.account_admin",
            title,
            Status.MANUAL,
            "a token does not name its owner to the account API, and the environment's workspace does not "
            "run yet (its SCIM Me would)",
            "confirm in the account console that the token's user has the account admin role, or run "
            "preflight as the deploying service principal (DATABRICKS_CLIENT_ID/SECRET)",
            ROLE_SOURCE,
        )
    found = f"{identity.label}, roles: {', '.join(sorted(identity.roles)) or 'none'}"
    if ACCOUNT_ADMIN_ROLE not in identity.roles:
        return identity, Check(
            "databricks.account_admin",
            title,
            Status.BLOCKER,
            found,
            f"grant {identity.name} the account admin role: the databricks_mws_* resources and the "
            "metastore assignment need it",
            ROLE_SOURCE,
        )
    return identity, Check("databricks.account_admin", title, Status.OK, found, source=ROLE_SOURCE)


def _find_identity(
    account: AccountClient, workspace: WorkspaceClient | None, credentials: DatabricksCredentials
) -> Identity | None:
    if credentials.client_id:
        application_id = credentials.client_id
        found = _read(
            "account SCIM service principals",
            lambda: list(account.service_principals.list(filter=f'applicationId eq "{application_id}"')),
        )
        if not found:
            raise Refused(f"no service principal with application ID {application_id} in the account")
        principal = found[0]
        return Identity(
            "service principal",
            principal.application_id or application_id,
            principal.id or "",
            _values(principal.roles),
            _displays(principal.groups),
        )
    if workspace is None:
        return None
    me = _read("workspace SCIM Me", workspace.current_user.me)
    user_name = me.user_name or ""
    users = _read("account SCIM users", lambda: list(account.users.list(filter=f'userName eq "{user_name}"')))
    if not users:
        raise Refused(f"{user_name} (SCIM Me of the workspace) is not a user of the account")
    user = users[0]
    return Identity("user", user_name, user.id or "", _values(user.roles), _displays(user.groups))


def _values(items: Iterable[Any] | None) -> frozenset[str]:
    return frozenset(item.value for item in items or () if item.value)


def _displays(items: Iterable[Any] | None) -> frozenset[str]:
    return frozenset(item.display for item in items or () if item.display)


def _metastore(env: Environment, account: AccountClient) -> tuple[Check, str | None, str]:
    """One metastore per region: reuse the existing one, or create one when there is none.

    Returns the check, the metastore ID the deploy will use (None when it creates one) and its owner."""
    region = env.aws.region
    configured = getattr(env.metastore, "existing_id", None)
    title = f"Unity Catalog metastore in {region}"
    try:
        metastores = _read("list account metastores", lambda: list(account.metastores.list()))
    except Refused as exc:
        return (
            Check(
                "databricks.metastore",
                title,
                Status.BLOCKER,
                str(exc),
                "give the deploying identity the account admin role",
                ADMIN_SOURCE,
            ),
            configured,
            env.metastore.owner,
        )
    existing = next((m for m in metastores if m.region == region), None)
    if existing is None:
        if configured:
            return (
                Check(
                    "databricks.metastore",
                    title,
                    Status.BLOCKER,
                    f"no metastore in {region}, but metastore.existing_id is {configured}",
                    "set metastore.existing_id to null so the account stack creates the metastore",
                    METASTORE_SOURCE,
                ),
                configured,
                env.metastore.owner,
            )
        found = f"none in {region}: the account stack creates {env.metastore.name}"
        return Check("databricks.metastore", title, Status.OK, found), None, env.metastore.owner
    found = f"{existing.name} ({existing.metastore_id}) exists in {region}, owner {existing.owner}"
    owner = existing.owner or env.metastore.owner
    if configured != existing.metastore_id:
        return (
            Check(
                "databricks.metastore",
                title,
                Status.BLOCKER,
                found,
                f"set metastore.existing_id to {existing.metastore_id}: an account holds one metastore per "
                "region, so the environment reuses it instead of creating one",
                METASTORE_SOURCE,
            ),
            existing.metastore_id,
            owner,
        )
    return (
        Check("databricks.metastore", title, Status.OK, f"{found}; reused", source=METASTORE_SOURCE),
        existing.metastore_id,
        owner,
    )


def _metastore_admin(account: AccountClient, identity: Identity | None, owner: str) -> Check:
    """The deploying identity must be (in) the metastore's owner, the metastore admin."""
    title = f"deploying identity is a metastore admin (member of {owner})"
    fix = (
        f"add the deploying identity to the account group {owner}: the workspace stack creates storage "
        "credentials, external locations and catalogs, which take metastore admin"
    )
    if identity is None:
        return Check(
            "databricks.metastore_admin",
            title,
            Status.MANUAL,
            "the deploying identity is not known (see databricks.account_admin)",
            f"confirm in the account console that the deploying identity is in {owner}",
            ADMIN_SOURCE,
        )
    if owner == identity.name or owner in identity.groups:
        return Check(
            "databricks.metastore_admin",
            title,
            Status.OK,
            f"{identity.name} is in {owner}",
            source=ADMIN_SOURCE,
        )
    try:
        groups = _read(
            "account SCIM groups",
            lambda: list(
                account.groups.list(filter=f'displayName eq "{owner}"', attributes="id,displayName,members")
            ),
        )
    except Refused as exc:
        return Check("databricks.metastore_admin", title, Status.BLOCKER, str(exc), fix, ADMIN_SOURCE)
    if not groups:
        return Check(
            "databricks.metastore_admin",
            title,
            Status.BLOCKER,
            f"the account has no group {owner}",
            f"create the account group {owner} with the deploying identity in it, or correct metastore.owner",
            ADMIN_SOURCE,
        )
    members = {member.value for group in groups for member in group.members or ()}
    if identity.id in members:
        return Check(
            "databricks.metastore_admin",
            title,
            Status.OK,
            f"{identity.name} is in {owner}",
            source=ADMIN_SOURCE,
        )
    return Check(
        "databricks.metastore_admin",
        title,
        Status.BLOCKER,
        f"{identity.name} is not a direct member of {owner} ({len(members)} members)",
        fix,
        ADMIN_SOURCE,
    )


def _deployment_name(env: Environment, workspaces: list[Workspace]) -> Check:
    """A deployment name needs an account prefix that no API reads; existing workspaces can show one."""
    # The account stack sends the workspace name as the deployment name (infra/account/workspace.py).
    name = getattr(env.workspace, "deployment_name", None) or env.workspace.name
    title = f"deployment name {name} (needs an account prefix)"
    taken = [
        ws
        for ws in workspaces
        if ws.workspace_name != env.workspace.name
        and ws.deployment_name
        and (ws.deployment_name == name or ws.deployment_name.endswith(f"-{name}"))
    ]
    if taken:
        return Check(
            "databricks.deployment_name",
            title,
            Status.BLOCKER,
            f"workspace {taken[0].workspace_name} already uses deployment name {taken[0].deployment_name}",
            "choose another workspace.name: deployment names are unique and cannot change later",
            DEPLOYMENT_SOURCE,
        )
    custom = sorted(
        ws.deployment_name
        for ws in workspaces
        if ws.deployment_name and not GENERATED_DEPLOYMENT.fullmatch(ws.deployment_name)
    )
    if custom:
        return Check(
            "databricks.deployment_name",
            title,
            Status.OK,
            f"the account already has workspaces with chosen deployment names ({', '.join(custom[:3])}), "
            "so its prefix is defined",
            source=DEPLOYMENT_SOURCE,
        )
    return Check(
        "databricks.deployment_name",
        title,
        Status.MANUAL,
        "no API reads the account's deployment-name prefix, and no workspace of the account uses one yet",
        "ask your Databricks representative to confirm (or define) the account's deployment-name prefix "
        "before the first deploy",
        DEPLOYMENT_SOURCE,
    )


def _workspace_checks(
    env: Environment, own: Workspace | None, workspace: WorkspaceClient | None, metastore_id: str | None
) -> list[Check]:
    """Workspace-level reads once the environment's workspace runs: admin membership, metastore."""
    title = f"workspace {env.workspace.name}"
    if own is None:
        return [
            Check(
                "databricks.workspace",
                title,
                Status.OK,
                "not created yet: the account stack creates it (workspace-level checks run once it exists)",
            )
        ]
    status = own.workspace_status.value if own.workspace_status else "unknown"
    found = f"exists: id {own.workspace_id}, {status}, deployment name {own.deployment_name}"
    if workspace is None:
        return [Check("databricks.workspace", title, Status.OK, f"{found}; workspace-level checks skipped")]
    return [
        Check("databricks.workspace", title, Status.OK, found, source=WORKSPACE_URL_SOURCE),
        _workspace_admin(workspace),
        _metastore_assignment(workspace, metastore_id),
    ]


def _workspace_admin(workspace: WorkspaceClient) -> Check:
    title = "deploying identity is a workspace admin"
    try:
        me = _read("workspace SCIM Me", workspace.current_user.me)
    except Refused as exc:
        return Check(
            "databricks.workspace_admin",
            title,
            Status.BLOCKER,
            str(exc),
            "assign the deploying identity to the workspace (databricks_mws_permission_assignment, ADMIN)",
        )
    groups = _displays(me.groups)
    found = f"{me.user_name}: groups {', '.join(sorted(groups)) or 'none'}"
    if WORKSPACE_ADMINS_GROUP not in groups:
        return Check(
            "databricks.workspace_admin",
            title,
            Status.BLOCKER,
            found,
            f"assign {me.user_name} to the workspace with ADMIN (databricks_mws_permission_assignment): "
            "cluster policies, pools and workspace settings need it",
        )
    return Check("databricks.workspace_admin", title, Status.OK, found)


def _metastore_assignment(workspace: WorkspaceClient, metastore_id: str | None) -> Check:
    title = "current metastore assignment"
    try:
        current = _read("current metastore assignment", workspace.metastores.current)
    except Refused as exc:
        if isinstance(exc.error, NotFound):
            return Check(
                "databricks.metastore_assignment", title, Status.OK, "none yet: the deploy assigns it"
            )
        return Check(
            "databricks.metastore_assignment",
            title,
            Status.BLOCKER,
            str(exc),
            "let the deploying identity read the workspace's metastore assignment (workspace admin)",
        )
    if metastore_id and current.metastore_id != metastore_id:
        return Check(
            "databricks.metastore_assignment",
            title,
            Status.BLOCKER,
            f"the workspace is assigned {current.metastore_id}, the environment uses {metastore_id}",
            "a workspace has one metastore: reassign it deliberately or correct metastore.existing_id",
            METASTORE_SOURCE,
        )
    return Check(
        "databricks.metastore_assignment",
        title,
        Status.OK,
        f"assigned {current.metastore_id}",
        source=METASTORE_SOURCE,
    )
