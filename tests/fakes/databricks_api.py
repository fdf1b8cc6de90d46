"""A local stand-in for the Databricks account and workspace REST APIs that preflight reads and the
kill switch writes.

It answers from the documented response shapes (SCIM ListResponse paging with startIndex/count, the
account workspaces array, `{metastores: [...]}`, SCIM Me, the current metastore assignment, a serving
endpoint and `PUT /api/2.0/serving-endpoints/{name}/ai-gateway`, which replaces the endpoint's whole
gateway configuration and answers with it:
https://docs.databricks.com/api/workspace/servingendpoints/putaigateway), signs in
with a bearer token or OAuth client credentials, answers 403 on the paths it is told to deny and 404
where nothing exists, and records every request so tests can assert what the client sent.
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
    serving_endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)  # name: GET's answer
    denied: set[str] = field(default_factory=set)  # path suffixes answered with 403
    page_size: int = 1  # SCIM pages hold at most this many resources, so clients must page
    requests: list[Request] = field(default_factory=list)

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


def _serving(account: FakeAccount, method: str, path: str, body: Any) -> tuple[int, Any] | None:
    """GET a serving endpoint, or PUT its AI gateway configuration; None for any other path."""
    match = re.fullmatch(r"/api/2\.0/serving-endpoints/([^/]+)(/ai-gateway)?", path)
    if match is None:
        return None
    endpoint = account.serving_endpoints.get(match[1])
    if endpoint is None:
        return _error(404, "RESOURCE_DOES_NOT_EXIST", f"Endpoint with name '{match[1]}' does not exist.")
    if method == "GET" and not match[2]:
        return 200, endpoint
    if method == "PUT" and match[2]:
        endpoint["ai_gateway"] = body
        return 200, body
    return _error(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")


def _answer(
    account: FakeAccount, method: str, path: str, query: dict[str, str], host: str, body: Any = None
) -> Any:
    base = f"/api/2.0/accounts/{account.account_id}"
    if any(path.endswith(suffix) for suffix in account.denied):
        return _error(403, "PERMISSION_DENIED", "This API is disabled for users without account admin")
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
    serving = _serving(account, method, path, body)
    if serving is not None:
        return serving
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
            body = None
            if method == "PUT":
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
            account.requests.append(Request(method, url.path, query, authorization, body))
            host = f"http://{self.headers['Host']}"
            if method == "POST" and url.path.endswith("/v1/token"):
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
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

        def do_PUT(self) -> None:
            self._handle("PUT")

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
