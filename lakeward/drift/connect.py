"""Sign in to the environment's workspace with databricks-sdk, from the variables the SDK itself reads.

DATABRICKS_HOST names the workspace URL; DATABRICKS_TOKEN (a personal access token) or
DATABRICKS_CLIENT_ID with DATABRICKS_CLIENT_SECRET (OAuth machine-to-machine, a service principal) sign
in. Missing variables, a refused sign-in and an unreachable host are bad input: `LakewardError`, exit 2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from databricks.sdk import AccountClient, WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors import DatabricksError, Unauthenticated

from lakeward.errors import LakewardError

T = TypeVar("T")
CREDENTIALS = "DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)"


def _settings(environ: Mapping[str, str], timeout: int) -> dict[str, Any]:
    """DATABRICKS_HOST and one way to sign in, as SDK configuration; missing variables are bad input.
    DATABRICKS_CONFIG_PROFILE instead names a profile of ~/.databrickscfg, which the SDK reads."""
    timeouts = {"http_timeout_seconds": timeout, "retry_timeout_seconds": timeout}
    if profile := environ.get("DATABRICKS_CONFIG_PROFILE"):
        return {"profile": profile, "host": environ.get("DATABRICKS_HOST"), **timeouts}
    host = environ.get("DATABRICKS_HOST", "").rstrip("/")
    token = environ.get("DATABRICKS_TOKEN")
    client_id, client_secret = environ.get("DATABRICKS_CLIENT_ID"), environ.get("DATABRICKS_CLIENT_SECRET")
    missing = [] if host else ["DATABRICKS_HOST"]
    if not token and not (client_id and client_secret):
        missing.append(CREDENTIALS)
    if missing:
        raise LakewardError(
            f"no Databricks credentials: {' and '.join(missing)} not set",
            field=", ".join(missing),
            fix="export DATABRICKS_HOST=https://<workspace>.cloud.databricks.com and DATABRICKS_TOKEN, "
            "or the reading service principal's DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, "
            "or DATABRICKS_CONFIG_PROFILE naming a profile of ~/.databrickscfg",
        )
    settings: dict[str, Any] = {
        "host": host,
        "http_timeout_seconds": timeout,
        "retry_timeout_seconds": timeout,
    }
    if client_id and client_secret:
        settings.update(client_id=client_id, client_secret=client_secret, auth_type="oauth-m2m")
    else:
        settings.update(token=token, auth_type="pat")
    return settings


def _config(settings: dict[str, Any]) -> Config:
    """The SDK's configuration; a profile or settings it cannot sign in with are bad input."""
    try:
        return Config(**{key: value for key, value in settings.items() if value is not None})
    except ValueError as exc:
        raise LakewardError(
            f"cannot sign in to Databricks: {str(exc)[:500]}",
            field=f"DATABRICKS_HOST, {CREDENTIALS} or DATABRICKS_CONFIG_PROFILE",
            fix="check the workspace URL and the credentials (or the profile in ~/.databrickscfg)",
        ) from None
    except (OSError, TimeoutError) as exc:
        raise _unreachable(str(settings.get("host")), exc) from None


def workspace_client(environ: Mapping[str, str], timeout: int = 60) -> WorkspaceClient:
    """A client of the workspace DATABRICKS_HOST names; `timeout` seconds bound each call and its retries."""
    return WorkspaceClient(config=_config(_settings(environ, timeout)))


def account_client(
    environ: Mapping[str, str], host: str, account_id: str, timeout: int = 60
) -> AccountClient:
    """A client of the account console at `host`, signed in with the same credentials; the account ID is
    DATABRICKS_ACCOUNT_ID, else the environment's."""
    settings = _settings(environ, timeout) | {"host": host.rstrip("/")}
    settings["account_id"] = environ.get("DATABRICKS_ACCOUNT_ID") or account_id
    return AccountClient(config=_config(settings))


def call(host: str, action: Callable[[], T]) -> T:
    """Run one API call; refused credentials and an unreachable host end the run with exit 2."""
    try:
        return action()
    except Unauthenticated as exc:
        raise LakewardError(
            f"the workspace refused the credentials ({exc})",
            field=CREDENTIALS,
            fix="use a valid token or service principal secret for this workspace",
        ) from None
    except DatabricksError:
        raise  # an API answer (403, 404...): the caller decides; the SDK's errors are IOErrors too
    except (OSError, TimeoutError) as exc:
        raise _unreachable(host, exc) from None


def _unreachable(host: str, exc: BaseException) -> LakewardError:
    return LakewardError(
        f"cannot reach the workspace at {host} ({type(exc).__name__}: {str(exc)[:300]})",
        field="DATABRICKS_HOST",
        fix="check the workspace URL and the network path to it (VPN, private link, proxy)",
    )
