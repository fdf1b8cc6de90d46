"""A local stand-in for the Databricks account and workspace REST APIs that preflight and the Vector
Search retriever call.

It answers from the documented response shapes (SCIM ListResponse paging with startIndex/count, the
account workspaces array, `{metastores: [...]}`, SCIM Me, the current metastore assignment, and Vector
Search's get-index (by name, or under its endpoint), query and query-next-page), signs in with a
bearer token or OAuth client credentials, answers 403 on the paths it is told to deny and 404 where
nothing exists, and records every request (with its JSON body) so tests can assert what the client
sent.

Vector Search (https://docs.databricks.com/api/vector-search/v1/query-vector-index.md and
.../query-vector-index-next-page.md): `GET /api/2.0/vector-search/indexes/{name}` answers the index
with `status.ready` and `status.message` (no `index_url`, so the client stays on the workspace host);
`/query` (the client sends GET with a JSON body; the API documents POST, both are answered) takes
`columns`, `filters_json`, `num_results`, `query_type`, `query_text`, `query_vector` and answers
`manifest.columns`, `result.row_count`, `result.data_array` (the score last) and `next_page_token`
when more rows remain; `/query-next-page` takes `page_token`. An index that is not ready refuses
queries. Scores are the fake's own: ANN the inner product with the row's `embedding`, FULL_TEXT the
number of query words in the row's `text`, HYBRID their sum.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "dapi-fake-token"  # pragma: allowlist secret
CLIENT_SECRET = "fake-client-secret"  # pragma: allowlist secret
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    authorization: str | None
    body: Any = None


@dataclass
class FakeVectorIndex:
    """A Vector Search index: its rows (dicts holding every column, `embedding` among them), whether
    its sync finished, and how many rows a page of results holds."""

    name: str
    endpoint: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    ready: bool = True
    message: str = "Index is ready for querying."
    page_size: int = 1000


@dataclass
class FakeAccount:
    """What the account and its one reachable workspace hold."""

    account_id: str
    client_id: str = "11111111-aaaa-4bbb-8ccc-000000000001"
    service_principals: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    workspaces: list[dict[str, Any]] = field(default_factory=list)
    metastores: list[dict[str, Any]] = field(default_factory=list)
    me: dict[str, Any] | None = None
    current_assignment: dict[str, Any] | None = None
    denied: set[str] = field(default_factory=set)  # path suffixes answered with 403
    page_size: int = 1  # SCIM pages hold at most this many resources, so clients must page
    vector_indexes: dict[str, FakeVectorIndex] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    pages: dict[str, list[list[Any]]] = field(default_factory=dict)  # next_page_token -> rows left
    tokens_issued: int = 0

    def requested(self, suffix: str) -> list[Request]:
        return [r for r in self.requests if r.path.endswith(suffix)]


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"error_code": code, "message": message}


def _scim_page(resources: list[dict[str, Any]], query: dict[str, str], page_size: int) -> dict[str, Any]:
    match = re.fullmatch(r'(\w+) eq "(.*)"', query.get("filter", ""))
    if match:
        resources = [r for r in resources if str(r.get(match[1])) == match[2]]
    start = int(query.get("startIndex", "1"))
    count = min(int(query.get("count", "10000")), page_size)
    page = resources[start - 1 : start - 1 + count]
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": len(resources),
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": page,
    }


VECTOR_INDEX = re.compile(
    r"^/api/2\.0/vector-search/(endpoints/(?P<endpoint>[^/]+)/)?indexes/(?P<name>[^/]+)(?P<action>/[a-z-]+)?$"
)


def _matches(row: dict[str, Any], filters: dict[str, Any]) -> bool:
    """Standard-endpoint filters: `col` equal (a list: any of), `col >=` / `col >` / `col <=` / `col <`."""
    for key, wanted in filters.items():
        column, _, operator = key.partition(" ")
        value = row.get(column)
        if operator == "":
            if value not in (wanted if isinstance(wanted, list) else [wanted]):
                return False
        elif (
            value is None
            or not {
                ">=": value >= wanted,
                ">": value > wanted,
                "<=": value <= wanted,
                "<": value < wanted,
            }[operator]
        ):
            return False
    return True


def _score(row: dict[str, Any], body: dict[str, Any]) -> float:
    kind = body.get("query_type", "ANN")
    words = set(str(body.get("query_text", "")).lower().split())
    keyword = float(sum(word in words for word in str(row.get("text", "")).lower().split()))
    vector = body.get("query_vector")
    dense = float(sum(a * b for a, b in zip(vector, row["embedding"], strict=True))) if vector else 0.0
    return {"ANN": dense, "FULL_TEXT": keyword, "HYBRID": dense + keyword}[kind]


def _page(account: FakeAccount, index: FakeVectorIndex, rows: list[list[Any]]) -> tuple[list, str | None]:
    page, rest = rows[: index.page_size], rows[index.page_size :]
    if not rest:
        return page, None
    account.tokens_issued += 1
    token = f"page-{account.tokens_issued}"
    account.pages[token] = rest
    return page, token


def _vector_search(
    account: FakeAccount, index: FakeVectorIndex, action: str, body: dict[str, Any]
) -> tuple[int, Any]:
    if action == "":
        return 200, {
            "name": index.name,
            "endpoint_name": index.endpoint,
            "index_type": "DELTA_SYNC",
            "primary_key": "chunk_id",
            "status": {"ready": index.ready, "message": index.message, "indexed_row_count": len(index.rows)},
        }
    if not index.ready:
        return _error(400, "INVALID_STATE", f"Index {index.name} is not ready: {index.message}")
    if action == "/query-next-page":
        rows = account.pages.pop(body.get("page_token", ""), None)
        if rows is None:
            return _error(400, "INVALID_PARAMETER_VALUE", "unknown page_token")
    elif action == "/query":
        filters = json.loads(body["filters_json"]) if body.get("filters_json") else {}
        hits = [(row, _score(row, body)) for row in index.rows if _matches(row, filters)]
        hits.sort(key=lambda hit: -hit[1])
        rows = [[row[c] for c in body["columns"]] + [score] for row, score in hits[: body["num_results"]]]
    else:
        return _error(404, "ENDPOINT_NOT_FOUND", f"No API found for {action}")
    columns = [*body.get("columns", []), "score"] if action == "/query" else []
    page, token = _page(account, index, rows)
    answer: dict[str, Any] = {"result": {"row_count": len(page), "data_array": page}}
    if action == "/query":
        answer["manifest"] = {"column_count": len(columns), "columns": [{"name": c} for c in columns]}
    if token:
        answer["next_page_token"] = token
    return 200, answer


def _answer(
    account: FakeAccount, method: str, path: str, query: dict[str, str], host: str, body: Any = None
) -> Any:
    base = f"/api/2.0/accounts/{account.account_id}"
    if any(path.endswith(suffix) for suffix in account.denied):
        return _error(403, "PERMISSION_DENIED", "This API is disabled for users without account admin")
    if match := VECTOR_INDEX.match(path):
        index = account.vector_indexes.get(match["name"])
        if index is None or match["endpoint"] not in (None, index.endpoint):
            return _error(404, "RESOURCE_DOES_NOT_EXIST", f"Index {match['name']} does not exist")
        return _vector_search(account, index, match["action"] or "", body or {})
    oidc = f"/oidc/accounts/{account.account_id}"
    if path == "/.well-known/databricks-config":
        return 200, {
            "oidc_endpoint": f"{host}/oidc/accounts/{{account_id}}",
            "account_id": account.account_id,
        }
    if path == f"{oidc}/.well-known/oauth-authorization-server":
        return 200, {
            "authorization_endpoint": f"{host}{oidc}/v1/authorize",
            "token_endpoint": f"{host}{oidc}/v1/token",
        }
    routes: dict[str, Any] = {
        f"{base}/scim/v2/ServicePrincipals": lambda: _scim_page(
            account.service_principals, query, account.page_size
        ),
        f"{base}/scim/v2/Users": lambda: _scim_page(account.users, query, account.page_size),
        f"{base}/scim/v2/Groups": lambda: _scim_page(account.groups, query, account.page_size),
        f"{base}/workspaces": lambda: account.workspaces,
        f"{base}/metastores": lambda: {"metastores": account.metastores},
        "/api/2.0/preview/scim/v2/Me": lambda: account.me,
        "/api/2.1/unity-catalog/current-metastore-assignment": lambda: account.current_assignment,
    }
    if method != "GET" or path not in routes:
        return _error(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")
    body = routes[path]()
    if body is None:
        return _error(404, "RESOURCE_DOES_NOT_EXIST", f"Nothing at {path}")
    return 200, body


def _handler(account: FakeAccount) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, method: str) -> None:
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            authorization = self.headers.get("Authorization")
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            is_json = "json" in (self.headers.get("Content-Type") or "")
            body = json.loads(raw) if raw and is_json else None
            account.requests.append(Request(method, url.path, query, authorization, body))
            host = f"http://{self.headers['Host']}"
            if method == "POST" and url.path.endswith("/v1/token"):
                form = parse_qs(raw)
                basic = (authorization or "").removeprefix("Basic ")
                sent = base64.b64decode(basic).decode() if basic else ""
                if sent != f"{account.client_id}:{CLIENT_SECRET}" and form.get("client_secret") != [
                    CLIENT_SECRET
                ]:
                    self._reply(*_error(401, "invalid_client", "bad client secret"))
                    return
                self._reply(200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600})
                return
            if not url.path.startswith(("/oidc/", "/.well-known/")) and authorization != f"Bearer {TOKEN}":
                self._reply(*_error(401, "UNAUTHENTICATED", "Invalid access token"))
                return
            self._reply(*_answer(account, method, url.path, query, host, body))

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

    return Handler


@contextmanager
def fake_databricks(account: FakeAccount) -> Iterator[str]:
    """Serve `account` on a free loopback port for the block; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(account))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
