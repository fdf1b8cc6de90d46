"""Live evidence from Databricks system tables (audit log, table lineage) through databricks-sdk.

Opt-in: runs only with a workspace host, a token and a SQL warehouse. Queries go through the
Statement Execution API with named parameters; results come back inline as JSON arrays.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from lakeward.errors import LakewardError
from lakeward.evidence.items import Item, parse_time
from lakeward.evidence.verifier import canonical_json

AUDIT_SQL = (
    "SELECT event_time, service_name, action_name, user_identity.email AS user, "
    "response.status_code AS status_code, source_ip_address FROM system.access.audit "
    "WHERE event_date >= date_sub(current_date(), :days) ORDER BY event_time LIMIT :limit"
)
LINEAGE_SQL = (
    "SELECT source_table_full_name, target_table_full_name, entity_type, event_time "
    "FROM system.access.table_lineage WHERE event_date >= date_sub(current_date(), :days) "
    "AND source_table_full_name IS NOT NULL AND target_table_full_name IS NOT NULL "
    "ORDER BY event_time LIMIT :limit"
)
ROW_LIMIT = 10000


@dataclass(frozen=True)
class LiveSource:
    host: str
    token: str
    warehouse_id: str
    days: int = 7


def query(client: Any, warehouse_id: str, sql: str, days: int) -> list[dict[str, Any]]:
    """Run one statement and return its rows as dicts, following result chunks."""
    from databricks.sdk.service.sql import Disposition, Format, StatementParameterListItem, StatementState

    response = client.statement_execution.execute_statement(
        statement=sql,
        warehouse_id=warehouse_id,
        wait_timeout="30s",
        format=Format.JSON_ARRAY,
        disposition=Disposition.INLINE,
        parameters=[
            StatementParameterListItem(name="days", value=str(days), type="INT"),
            StatementParameterListItem(name="limit", value=str(ROW_LIMIT), type="INT"),
        ],
    )
    while response.status and response.status.state in (StatementState.PENDING, StatementState.RUNNING):
        response = client.statement_execution.get_statement(response.statement_id)
    state = response.status.state if response.status else None
    if state != StatementState.SUCCEEDED:
        error = response.status.error.message if response.status and response.status.error else "no detail"
        raise LakewardError(
            f"statement {response.statement_id} ended {state.value if state else 'without a state'}: {error}",
            source="system tables",
            fix="check the warehouse is running and the token may read system.access",
        )
    columns = [column.name for column in response.manifest.schema.columns]
    rows = list(response.result.data_array or []) if response.result else []
    chunk = response.result
    while chunk is not None and chunk.next_chunk_index is not None:
        chunk = client.statement_execution.get_statement_result_chunk_n(
            response.statement_id, chunk.next_chunk_index
        )
        rows.extend(chunk.data_array or [])
    return [dict(zip(columns, row, strict=True)) for row in rows]


def collect_system_tables(source: LiveSource, now: dt.datetime) -> list[Item]:
    try:
        from databricks.sdk import WorkspaceClient
    except ImportError:
        raise LakewardError(
            "databricks-sdk is not installed", field="--databricks-host", fix='pip install -e ".[evidence]"'
        ) from None
    client = WorkspaceClient(host=source.host, token=source.token, auth_type="pat")
    audit = query(client, source.warehouse_id, AUDIT_SQL, source.days)
    lineage = query(client, source.warehouse_id, LINEAGE_SQL, source.days)
    denied = sum(str(row.get("status_code")) in ("401", "403") for row in audit)
    audit_item = Item(
        "audit-log",
        "audit-log",
        f"Audit log, last {source.days} days (system.access.audit)",
        source.host,
        summary={
            "events": len(audit),
            "denied": denied,
            "users": len({row.get("user") for row in audit}),
            "services": dict(Counter(str(row.get("service_name")) for row in audit).most_common(10)),
        },
        files={"live/audit.json": canonical_json(audit)},
    )
    lineage_item = Item(
        "system-lineage",
        "system-lineage",
        f"Table lineage, last {source.days} days (system.access.table_lineage)",
        source.host,
        summary={
            "edges": len({(r["source_table_full_name"], r["target_table_full_name"]) for r in lineage}),
            "tables": len(
                {r[k] for r in lineage for k in ("source_table_full_name", "target_table_full_name")}
            ),
        },
        files={"live/table-lineage.json": canonical_json(lineage)},
    )
    latest = (
        [parse_time(r.get("event_time")) for r in audit],
        [parse_time(r.get("event_time")) for r in lineage],
    )
    return [
        audit_item.stamp(now, max((t for t in latest[0] if t), default=None)),
        lineage_item.stamp(now, max((t for t in latest[1] if t), default=None)),
    ]
