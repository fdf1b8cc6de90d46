"""Live collection from Databricks system tables through databricks-sdk, against a local server that
replays the Statement Execution API's documented responses (inline JSON_ARRAY results, a pending
statement that is polled, a second result chunk, a failed statement)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from lakeward.errors import LakewardError
from lakeward.evidence.collectors.databricks_live import LiveSource, collect_system_tables
from tests.cli import run_cli
from tests.evidence.sources import EPOCH, NOW
from tests.footprint import Synthesized

AUDIT_COLUMNS = ["event_time", "service_name", "action_name", "user", "status_code", "source_ip_address"]
AUDIT_ROWS = [
    ["2026-11-25T09:00:00.000Z", "unityCatalog", "getTable", "ana@example.com", "200", "10.20.1.5"],
    ["2026-11-25T09:05:00.000Z", "unityCatalog", "getTable", "eve@example.com", "403", "203.0.113.9"],
    ["2026-11-25T09:10:00.000Z", "accounts", "tokenLogin", "ana@example.com", "200", "10.20.1.5"],
]
LINEAGE_COLUMNS = ["source_table_full_name", "target_table_full_name", "entity_type", "event_time"]
LINEAGE_CHUNKS = [
    [["llm_dev.raw.documents", "llm_dev.curated.documents", "JOB", "2026-11-25T10:01:00.000Z"]],
    [["llm_dev.curated.documents", "llm_dev.chunks.passages", "JOB", "2026-11-25T10:02:00.000Z"]],
]


def manifest(columns: list[str], chunks: int, rows: int) -> dict[str, Any]:
    return {
        "format": "JSON_ARRAY",
        "schema": {
            "column_count": len(columns),
            "columns": [
                {"name": name, "type_name": "STRING", "type_text": "STRING", "position": i}
                for i, name in enumerate(columns)
            ],
        },
        "total_chunk_count": chunks,
        "total_row_count": rows,
        "truncated": False,
    }


class Workspace(BaseHTTPRequestHandler):
    """Replays `POST /api/2.0/sql/statements`, `GET .../statements/{id}` and `.../result/chunks/{n}`."""

    requests: ClassVar[list[tuple[str, str, Any]]] = []
    fail: ClassVar[bool] = False

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append(("POST", self.path, body))
        assert self.headers["Authorization"] == "Bearer dapi-recorded"
        if self.fail:
            self._send(
                200,
                {
                    "statement_id": "01ef-fail",
                    "status": {
                        "state": "FAILED",
                        "error": {
                            "error_code": "BAD_REQUEST",
                            "message": "[TABLE_OR_VIEW_NOT_FOUND] system.access.audit",
                        },
                    },
                },
            )
        elif "system.access.audit" in body["statement"]:
            self._send(200, {"statement_id": "01ef-audit", "status": {"state": "PENDING"}})
        else:
            self._send(
                200,
                {
                    "statement_id": "01ef-lineage",
                    "status": {"state": "SUCCEEDED"},
                    "manifest": manifest(LINEAGE_COLUMNS, 2, 2),
                    "result": {
                        "chunk_index": 0,
                        "row_offset": 0,
                        "row_count": 1,
                        "next_chunk_index": 1,
                        "next_chunk_internal_link": "/api/2.0/sql/statements/01ef-lineage/result/chunks/1",
                        "data_array": LINEAGE_CHUNKS[0],
                    },
                },
            )

    def do_GET(self) -> None:
        self.requests.append(("GET", self.path, None))
        if self.path == "/api/2.0/sql/statements/01ef-audit":
            self._send(
                200,
                {
                    "statement_id": "01ef-audit",
                    "status": {"state": "SUCCEEDED"},
                    "manifest": manifest(AUDIT_COLUMNS, 1, 3),
                    "result": {"chunk_index": 0, "row_offset": 0, "row_count": 3, "data_array": AUDIT_ROWS},
                },
            )
        elif self.path == "/api/2.0/sql/statements/01ef-lineage/result/chunks/1":
            self._send(
                200, {"chunk_index": 1, "row_offset": 1, "row_count": 1, "data_array": LINEAGE_CHUNKS[1]}
            )
        else:
            self._send(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"no {self.path}"})

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def workspace() -> Iterator[str]:
    Workspace.requests, Workspace.fail = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), Workspace)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_audit_log_and_lineage_from_system_tables(workspace: str) -> None:
    audit, lineage = collect_system_tables(LiveSource(workspace, "dapi-recorded", "wh-123", days=3), NOW)
    assert audit.summary["events"] == 3 and audit.summary["denied"] == 1 and audit.summary["users"] == 2
    assert json.loads(audit.files["live/audit.json"])[1]["source_ip_address"] == "203.0.113.9"
    assert audit.collected_at == "2026-11-25T09:10:00Z" and audit.expires_at == "2026-11-26T09:10:00Z"
    assert lineage.summary == {"edges": 2, "tables": 3}
    posts = [body for method, _, body in Workspace.requests if method == "POST"]
    assert {p["warehouse_id"] for p in posts} == {"wh-123"}
    assert posts[0]["parameters"][0] == {"name": "days", "type": "INT", "value": "3"}
    assert posts[0]["disposition"] == "INLINE" and posts[0]["format"] == "JSON_ARRAY"
    paths = [path for method, path, _ in Workspace.requests if method == "GET"]
    assert "/api/2.0/sql/statements/01ef-audit" in paths  # the pending statement was polled
    assert "/api/2.0/sql/statements/01ef-lineage/result/chunks/1" in paths  # the second chunk was read


def test_a_failed_statement_is_a_clear_error(workspace: str) -> None:
    Workspace.fail = True
    with pytest.raises(LakewardError, match="TABLE_OR_VIEW_NOT_FOUND") as error:
        collect_system_tables(LiveSource(workspace, "dapi-recorded", "wh-123"), NOW)
    assert "FAILED" in error.value.message and error.value.fix


def test_cli_export_collects_live_evidence(
    workspace: str, tmp_path: Path, dev: Synthesized, signing_key
) -> None:
    env = {"DATABRICKS_HOST": workspace, "DATABRICKS_TOKEN": "dapi-recorded", "SOURCE_DATE_EPOCH": str(EPOCH)}
    command = [
        "evidence",
        "export",
        "--stacks",
        dev.out,
        "--key",
        signing_key.private,
        "--warehouse-id",
        "wh-123",
    ]
    done = run_cli(*command, "--out", tmp_path / "b", "--json", env=env)
    assert done.exit_code == 0, done.stderr
    index = json.loads((tmp_path / "b" / "data" / "index.json").read_bytes())
    statuses = {item["id"]: item["status"] for item in index["items"]}
    assert statuses["audit-log"] == "collected" and statuses["system-lineage"] == "collected"
    refused = run_cli(*command, "--out", tmp_path / "c", env={**env, "DATABRICKS_TOKEN": ""})
    assert refused.exit_code == 2 and "DATABRICKS_TOKEN" in refused.stderr
