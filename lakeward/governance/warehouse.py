"""Running SQL on the environment's serverless SQL warehouse through the Statement Execution API.

The documented hybrid mode (https://docs.databricks.com/api/workspace/statementexecution): the call
waits up to `wait_timeout` (5 to 50 s) and, with `on_wait_timeout=CONTINUE`, returns the statement ID
of a statement still PENDING (waiting for the warehouse, which starts on demand) or RUNNING; the
statement is then polled with getStatement until SUCCEEDED, FAILED, CANCELED or CLOSED. A FAILED
status carries the error message; results come INLINE as JSON arrays, in chunks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors import DatabricksError, PermissionDenied, Unauthenticated
from databricks.sdk.service.sql import (
    Disposition,
    ExecuteStatementRequestOnWaitTimeout,
    Format,
    StatementParameterListItem,
    StatementResponse,
    StatementState,
)

from lakeward.errors import LakewardError
from lakeward.governance.sql import Statement

CREDENTIALS = "DATABRICKS_HOST and DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)"
WAIT = "30s"
UNFINISHED = (StatementState.PENDING, StatementState.RUNNING)
T = TypeVar("T")


def workspace_client(environ: Mapping[str, str], retry_seconds: int = 60) -> WorkspaceClient:
    """A client of the workspace named by DATABRICKS_HOST, signed in with a token or OAuth M2M."""
    host = environ.get("DATABRICKS_HOST", "").rstrip("/")
    token = environ.get("DATABRICKS_TOKEN")
    client_id, secret = environ.get("DATABRICKS_CLIENT_ID"), environ.get("DATABRICKS_CLIENT_SECRET")
    if not host or not (token or (client_id and secret)):
        raise LakewardError(
            "no workspace credentials",
            field=CREDENTIALS,
            fix="export DATABRICKS_HOST=<the workspace URL, the account stack's workspace_url> and the "
            "deploying identity's DATABRICKS_TOKEN or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET",
        )
    auth: dict[str, Any] = (
        {"client_id": client_id, "client_secret": secret, "auth_type": "oauth-m2m"}
        if client_id and secret
        else {"token": token, "auth_type": "pat"}
    )
    try:
        config = Config(host=host, http_timeout_seconds=30, retry_timeout_seconds=retry_seconds, **auth)
    except ValueError as exc:
        raise _unreachable(host, exc) from None
    return WorkspaceClient(config=config)


def _unreachable(host: str, exc: Exception) -> LakewardError:
    return LakewardError(
        f"cannot reach or sign in to the workspace at {host} ({exc})",
        field=CREDENTIALS,
        fix="set DATABRICKS_HOST to the workspace URL and check the deploying identity's token or secret",
    )


def call(what: str, host: str, action: Callable[..., T], *args: Any) -> T:
    """One API call; refused credentials, a refused permission and an unreachable host are bad input."""
    try:
        return action(*args)
    except Unauthenticated as exc:
        raise LakewardError(
            f"{what}: the workspace refused the credentials ({exc})",
            field=CREDENTIALS,
            fix="use a valid token or OAuth secret of the deploying identity",
        ) from None
    except PermissionDenied as exc:
        raise LakewardError(
            f"{what}: permission denied ({exc})",
            field="the deploying identity's permissions",
            fix="run the bootstrap as a member of the environment's admins group (it owns the catalog "
            "and may use the warehouse)",
        ) from None
    except DatabricksError as exc:
        raise LakewardError(
            f"{what}: {exc}", fix="see the message; rerun once it is resolved", exit_code=1
        ) from None
    except (OSError, ValueError) as exc:  # connection refused, DNS, timeouts after the SDK's retries
        raise _unreachable(host, exc) from None


@dataclass
class Warehouse:
    """Runs statements on one warehouse, waiting for each to finish; `sleep` is injectable for tests."""

    client: WorkspaceClient
    warehouse_id: str
    poll_seconds: float = 2.0
    timeout_seconds: float = 1800.0
    sleep: Callable[[float], None] = time.sleep

    @property
    def host(self) -> str:
        return str(self.client.config.host)

    def run(self, statement: Statement) -> list[list[str]]:
        """Execute, poll until done, and return every result row; a failed statement raises."""
        api = self.client.statement_execution
        response = call(
            "execute a statement",
            self.host,
            lambda: api.execute_statement(
                statement=statement.text,
                warehouse_id=self.warehouse_id,
                parameters=[
                    StatementParameterListItem(name=name, value=value, type="STRING")
                    for name, value in statement.parameters.items()
                ],
                wait_timeout=WAIT,
                on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CONTINUE,
                format=Format.JSON_ARRAY,
                disposition=Disposition.INLINE,
            ),
        )
        waited = 0.0
        while _state(response) in UNFINISHED:
            if waited >= self.timeout_seconds:
                raise LakewardError(
                    f"statement {response.statement_id} still {_named(_state(response))} "
                    f"after {waited:.0f} s",
                    fix="check the warehouse in the workspace (is serverless SQL enabled?) and rerun",
                    exit_code=1,
                )
            self.sleep(self.poll_seconds)
            waited += self.poll_seconds
            response = call("poll a statement", self.host, api.get_statement, str(response.statement_id))
        if _state(response) is not StatementState.SUCCEEDED:
            raise _failed(statement, response)
        return self._rows(response)

    def _rows(self, response: StatementResponse) -> list[list[str]]:
        rows: list[list[str]] = []
        chunk = response.result
        while chunk is not None:
            rows.extend(chunk.data_array or [])
            if chunk.next_chunk_index is None:
                break
            chunk = call(
                "fetch a result chunk",
                self.host,
                self.client.statement_execution.get_statement_result_chunk_n,
                str(response.statement_id),
                chunk.next_chunk_index,
            )
        return rows


def _state(response: StatementResponse) -> StatementState | None:
    return response.status.state if response.status else None


def _named(state: StatementState | None) -> str:
    return state.value if state else "no state"


def _failed(statement: Statement, response: StatementResponse) -> LakewardError:
    status = response.status
    error = status.error if status else None
    message = error.message if error and error.message else "no message"
    first_line = statement.text.splitlines()[0]
    return LakewardError(
        f"the warehouse answered {_named(_state(response))} to `{first_line}`: {message}",
        fix="see the message; the bootstrap is idempotent, so rerun it once the cause is resolved",
        exit_code=1,
    )
