"""A local stand-in for the Databricks account and workspace REST APIs that preflight, drift, the
bootstrap and the Vector Search retriever read and the kill switch writes.

It answers from the documented response shapes (SCIM ListResponse paging with startIndex/count, the
account workspaces array, `{metastores: [...]}`, SCIM Me, the current metastore assignment, and the
workspace objects `FakeWorkspace` holds; a serving endpoint and
`PUT /api/2.0/serving-endpoints/{name}/ai-gateway`, which replaces the endpoint's whole gateway
configuration and answers with it:
https://docs.databricks.com/api/workspace/servingendpoints/putaigateway), signs in with a bearer
token or OAuth client credentials, answers 403 on the paths it is told to deny and 404 where nothing
exists, and records every request so tests can assert what the client sent.

With a `FakeWarehouse` it also answers the SQL warehouses list, the Tag Policies API and the Statement
Execution API (https://docs.databricks.com/api/workspace/statementexecution): a statement is
SUCCEEDED with its JSON_ARRAY result inline, or first PENDING on execute and for `pending_polls`
polls of getStatement (the last of them RUNNING), or FAILED with `status.error` when it contains a
text the test names in `failures`. Its SQL is the handful of statement shapes the bootstrap sends,
kept as state (tables and columns, functions, record rows) so that a second run sees what the first
made.

It also answers Vector Search's get-index (by name, or under its endpoint), query and
query-next-page (https://docs.databricks.com/api/vector-search/v1/query-vector-index.md and
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


QUOTED = r"`(\w+)`\.`(\w+)`\.`(\w+)`"


@dataclass
class FakeWarehouse:
    """One SQL warehouse and the Unity Catalog objects its statements see."""

    name: str
    id: str = "0123456789abcdef"
    tables: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)  # (catalog, schema, table)
    schemas: set[tuple[str, str]] = field(default_factory=set)  # (catalog, schema) made by other stacks
    functions: dict[str, str] = field(default_factory=dict)  # name: the CREATE statement
    records: list[dict[str, str]] = field(default_factory=list)
    tag_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_polls: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # statement text: error message
    statements: dict[str, dict[str, Any]] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)

    def sent(self, account: FakeAccount) -> list[str]:
        """The text of every statement executed, in order."""
        return [str((r.body or {})["statement"]) for r in account.requested("/api/2.0/sql/statements")]

    def execute(self, body: dict[str, Any]) -> dict[str, Any]:
        statement_id = f"01ef-{len(self.statements):04d}"
        text = str(body.get("statement", ""))
        parameters = {p["name"]: p.get("value") for p in body.get("parameters") or []}
        failure = next((message for needle, message in self.failures.items() if needle in text), None)
        if body.get("warehouse_id") != self.id:
            failure = f"warehouse {body.get('warehouse_id')} does not exist"
        if failure is not None:
            final: dict[str, Any] = {
                "statement_id": statement_id,
                "status": {
                    "state": "FAILED",
                    "error": {"error_code": "BAD_REQUEST", "message": failure},
                    "sql_state": "42000",
                },
            }
        else:
            columns, rows = self._run(text, parameters)
            final = {
                "statement_id": statement_id,
                "status": {"state": "SUCCEEDED"},
                "manifest": {
                    "format": "JSON_ARRAY",
                    "schema": {
                        "column_count": len(columns),
                        "columns": [
                            {"name": c, "type_name": "STRING", "type_text": "STRING", "position": i}
                            for i, c in enumerate(columns)
                        ],
                    },
                    "total_row_count": len(rows),
                    "truncated": False,
                },
                "result": {"chunk_index": 0, "row_offset": 0, "row_count": len(rows), "data_array": rows},
            }
        self.statements[statement_id] = final
        if self.pending_polls:
            self.waiting[statement_id] = self.pending_polls
            return {"statement_id": statement_id, "status": {"state": "PENDING"}}
        return final

    def poll(self, statement_id: str) -> dict[str, Any] | None:
        if statement_id not in self.statements:
            return None
        if self.waiting.get(statement_id, 0) > 0:
            self.waiting[statement_id] -= 1
            state = "PENDING" if self.waiting[statement_id] else "RUNNING"
            return {"statement_id": statement_id, "status": {"state": state}}
        return self.statements[statement_id]

    def _run(self, text: str, parameters: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        if text.startswith("SELECT table_schema, table_name FROM system.information_schema.tables"):
            wanted = {
                (parameters["catalog"], parameters["governance"]),
                (parameters["catalog"], parameters["pipeline"]),
            }
            return ["table_schema", "table_name"], [[s, t] for c, s, t in self.tables if (c, s) in wanted]
        if text.startswith("SELECT table_name, column_name FROM system.information_schema.columns"):
            wanted_schema = (parameters["catalog"], parameters["pipeline"])
            return ["table_name", "column_name"], [
                [t, column]
                for (c, s, t), cs in self.tables.items()
                if (c, s) == wanted_schema
                for column in cs
            ]
        if text.startswith("SELECT catalog_name FROM system.information_schema.schemata"):
            catalogs = [v for k, v in parameters.items() if k.startswith("catalog_")]
            return ["catalog_name"], [[c] for c in catalogs if (c, parameters["pipeline"]) in self.schemas]
        if text.startswith("SELECT routine_name FROM system.information_schema.routines"):
            return ["routine_name"], [[name] for name in self.functions]
        if text.startswith("SELECT object_type, object_name, max_by(digest, recorded_at)"):
            latest = {(r["type"], r["name"]): r["digest"] for r in self.records}
            return ["object_type", "object_name", "digest"], [[*key, d] for key, d in latest.items()]
        if match := re.match(f"CREATE OR REPLACE FUNCTION {QUOTED}", text):
            self.functions[match[3]] = text
            return [], []
        if match := re.match(f"CREATE TABLE IF NOT EXISTS {QUOTED}", text):
            self.tables.setdefault((match[1], match[2], match[3]), re.findall(r"(?:\(|, )`(\w+)` ", text))
            return [], []
        if match := re.match(f"ALTER TABLE {QUOTED} ADD (CONSTRAINT|COLUMNS)", text):
            if match[4] == "COLUMNS":
                self.tables[(match[1], match[2], match[3])] += re.findall(r"(?:\(|, )`(\w+)` ", text)
            return [], []
        if re.match(f"INSERT INTO {QUOTED} VALUES", text):
            for index in range(len(parameters) // 4):
                self.records.append(
                    {key: parameters[f"{key}_{index}"] for key in ("type", "name", "action", "digest")}
                )
            return [], []
        raise AssertionError(f"the fake warehouse does not understand: {text[:120]}")


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
    networks: list[dict[str, Any]] = field(default_factory=list)
    private_access_settings: list[dict[str, Any]] = field(default_factory=list)
    log_delivery: list[dict[str, Any]] = field(default_factory=list)
    metastores: list[dict[str, Any]] = field(default_factory=list)
    me: dict[str, Any] | None = None
    current_assignment: dict[str, Any] | None = None
    workspace: FakeWorkspace = field(default_factory=lambda: FakeWorkspace())
    serving_endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)  # name: GET's answer
    denied: set[str] = field(default_factory=set)  # path suffixes answered with 403
    page_size: int = 1  # SCIM pages hold at most this many resources, so clients must page
    warehouse: FakeWarehouse | None = None
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


def _warehouse_answer(
    warehouse: FakeWarehouse, method: str, path: str, body: dict[str, Any] | None
) -> tuple[int, Any] | None:
    """The SQL warehouses list, the Statement Execution API and the Tag Policies API."""
    if (method, path) == ("GET", "/api/2.0/sql/warehouses"):
        return 200, {"warehouses": [{"id": warehouse.id, "name": warehouse.name, "state": "STOPPED"}]}
    if (method, path) == ("POST", "/api/2.0/sql/statements"):
        return 200, warehouse.execute(body or {})
    if method == "GET" and (match := re.fullmatch(r"/api/2\.0/sql/statements/([\w-]+)", path)):
        answer = warehouse.poll(match[1])
        return (200, answer) if answer else _error(404, "NOT_FOUND", f"statement {match[1]} not found")
    if method == "GET" and (match := re.fullmatch(r"/api/2\.1/tag-policies/(.+)", path)):
        policy = warehouse.tag_policies.get(match[1])
        return (200, policy) if policy else _error(404, "NOT_FOUND", f"Tag policy {match[1]} does not exist")
    if (method, path) == ("POST", "/api/2.1/tag-policies"):
        policy = {**(body or {}), "id": f"tp-{len(warehouse.tag_policies)}"}
        warehouse.tag_policies[policy["tag_key"]] = policy
        return 200, policy
    return None


def _serving(account: FakeAccount, method: str, path: str, body: Any) -> tuple[int, Any] | None:
    """GET a serving endpoint, or PUT its AI gateway configuration; None for any other path."""
    match = re.fullmatch(r"/api/2\.0/serving-endpoints/([^/]+)(/ai-gateway)?", path)
    if match is None:
        return None
    endpoint = account.serving_endpoints.get(match[1])
    if endpoint is None and method == "GET":
        return None  # the workspace's endpoints, if it holds any
    if endpoint is None:
        return _error(404, "RESOURCE_DOES_NOT_EXIST", f"Endpoint with name '{match[1]}' does not exist.")
    if method == "GET" and not match[2]:
        return 200, endpoint
    if method == "PUT" and match[2]:
        endpoint["ai_gateway"] = body
        return 200, body
    return _error(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")


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
    if account.warehouse and (answer := _warehouse_answer(account.warehouse, method, path, body)):
        return answer
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
        # Arrays, not paged (https://docs.databricks.com/api/account/networks/list,
        # https://docs.databricks.com/api/account/privateaccess/list).
        f"{base}/networks": lambda: account.networks,
        f"{base}/private-access-settings": lambda: account.private_access_settings,
        # {"log_delivery_configurations": [...], "next_page_token"}, paged by page_token
        # (https://docs.databricks.com/api/account/logdelivery/list).
        f"{base}/log-delivery": lambda: _token_page(
            account.log_delivery, query, account.page_size, "log_delivery_configurations"
        ),
        f"{base}/metastores": lambda: {"metastores": account.metastores},
        "/api/2.0/preview/scim/v2/Me": lambda: account.me,
        "/api/2.1/unity-catalog/current-metastore-assignment": lambda: account.current_assignment,
    }
    serving = _serving(account, method, path, body)
    if serving is not None:
        return serving
    if method == "GET" and path not in routes:
        return _workspace_answer(account.workspace, path, query)
    if method != "GET":
        return _error(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")
    body = routes[path]()
    if body is None:
        return _error(404, "RESOURCE_DOES_NOT_EXIST", f"Nothing at {path}")
    return 200, body


@dataclass
class FakeWorkspace:
    """The workspace objects drift reads, each kept in the JSON shape its documented endpoint returns.

    Lists that the API pages are cut into pages of `page_size` (jobs by `page_token`, grants by
    `page_token` once the client asks for `max_results`), so a client that reads only the first page
    misses objects. An identifier in `gone` is still listed but its get answers 404
    RESOURCE_DOES_NOT_EXIST: the object was deleted between the list and the get.
    """

    cluster_policies: list[dict[str, Any]] = field(default_factory=list)
    instance_pools: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    serving_endpoints: list[dict[str, Any]] = field(default_factory=list)
    ip_access_lists: list[dict[str, Any]] = field(default_factory=list)
    secret_scopes: list[dict[str, Any]] = field(default_factory=list)
    secret_acls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # scope: ACL items
    grants: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "catalog/llm_dev": assignments
    workspace_conf: dict[str, str] = field(default_factory=dict)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # setting type: body
    service_principals: list[dict[str, Any]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)  # job IDs and endpoint names deleted after the list
    page_size: int = 1


def _token_page(items: list[Any], query: dict[str, str], size: int, key: str) -> dict[str, Any]:
    """One page of `items` under `key`, with `next_page_token` while more remain.

    Jobs 2.2 (https://docs.databricks.com/api/workspace/jobs/list) and Unity Catalog permissions
    (https://docs.databricks.com/api/workspace/grants/get: "Clients must continue reading pages until
    next_page_token is absent") page this way; the token is opaque to the client.
    """
    start = int(query.get("page_token", "0") or "0")
    body: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        body["next_page_token"] = str(start + size)
    return body


def _missing(what: str) -> tuple[int, dict[str, Any]]:
    return _error(404, "RESOURCE_DOES_NOT_EXIST", f"{what} does not exist.")


def _workspace_answer(ws: FakeWorkspace, path: str, query: dict[str, str]) -> Any:
    """GET routes of the workspace API; shapes as documented on docs.databricks.com/api/workspace and
    read by databricks-sdk-py 0.162 (`databricks/sdk/service/{compute,jobs,serving,settings,workspace,
    catalog,iam}.py`)."""
    # GET /api/2.0/policies/clusters/list -> {"policies": [Policy], "total_count"}: not paged
    # (https://docs.databricks.com/api/workspace/clusterpolicies/list).
    if path == "/api/2.0/policies/clusters/list":
        return 200, {"policies": ws.cluster_policies, "total_count": len(ws.cluster_policies)}
    # GET /api/2.0/instance-pools/list -> {"instance_pools": [InstancePoolAndStats]}: not paged
    # (https://docs.databricks.com/api/workspace/instancepools/list).
    if path == "/api/2.0/instance-pools/list":
        return 200, {"instance_pools": ws.instance_pools}
    # GET /api/2.2/jobs/list -> {"jobs": [BaseJob], "has_more", "next_page_token"}; BaseJob carries
    # `settings` without tasks unless expand_tasks (https://docs.databricks.com/api/workspace/jobs/list).
    if path == "/api/2.2/jobs/list":
        listed = [{k: v for k, v in job.items() if k != "settings"} for job in ws.jobs]
        for job, brief in zip(ws.jobs, listed, strict=True):
            brief["settings"] = {"name": job["settings"].get("name")}
        body = _token_page(listed, query, ws.page_size, "jobs")
        body["has_more"] = "next_page_token" in body
        return 200, body
    # GET /api/2.2/jobs/get?job_id= -> Job with full `settings`
    # (https://docs.databricks.com/api/workspace/jobs/get); 404 once deleted.
    if path == "/api/2.2/jobs/get":
        job_id = query.get("job_id", "")
        found = next((job for job in ws.jobs if str(job["job_id"]) == job_id), None)
        if found is None or job_id in ws.gone:
            return _missing(f"Job {job_id}")
        return 200, found
    # GET /api/2.0/serving-endpoints -> {"endpoints": [ServingEndpoint]}: not paged; the list omits
    # nothing drift needs but drift reads each with GET /api/2.0/serving-endpoints/{name}
    # (ServingEndpointDetailed: config.served_entities, ai_gateway, tags;
    # https://docs.databricks.com/api/workspace/servingendpoints/get).
    if path == "/api/2.0/serving-endpoints":
        return 200, {"endpoints": [{"name": e["name"], "id": e.get("id")} for e in ws.serving_endpoints]}
    if path.startswith("/api/2.0/serving-endpoints/"):
        name = path.rsplit("/", 1)[1]
        found = next((e for e in ws.serving_endpoints if e["name"] == name), None)
        if found is None or name in ws.gone:
            return _missing(f"Endpoint '{name}'")
        return 200, found
    # GET /api/2.0/ip-access-lists -> {"ip_access_lists": [IpAccessListInfo]}
    # (https://docs.databricks.com/api/workspace/ipaccesslists/list).
    if path == "/api/2.0/ip-access-lists":
        return 200, {"ip_access_lists": ws.ip_access_lists}
    # GET /api/2.0/secrets/scopes/list -> {"scopes": [SecretScope]};
    # GET /api/2.0/secrets/acls/list?scope= -> {"items": [AclItem]}
    # (https://docs.databricks.com/api/workspace/secrets/listscopes, .../secrets/listacls).
    if path == "/api/2.0/secrets/scopes/list":
        return 200, {"scopes": ws.secret_scopes}
    if path == "/api/2.0/secrets/acls/list":
        scope = query.get("scope", "")
        if scope not in ws.secret_acls:
            return _missing(f"Scope {scope}")
        return 200, {"items": ws.secret_acls[scope]}
    # GET /api/2.1/unity-catalog/permissions/{securable_type}/{full_name}
    # -> {"privilege_assignments": [{principal, privileges}], "next_page_token"}, paged when the client
    # sends max_results (https://docs.databricks.com/api/workspace/grants/get).
    if path.startswith("/api/2.1/unity-catalog/permissions/"):
        securable = path.removeprefix("/api/2.1/unity-catalog/permissions/").lower()
        if securable not in ws.grants:
            return _missing(securable.replace("/", " "))
        assignments = ws.grants[securable]
        if "max_results" not in query:
            return 200, {"privilege_assignments": assignments}
        return 200, _token_page(assignments, query, ws.page_size, "privilege_assignments")
    # GET /api/2.0/workspace-conf?keys=a,b -> {"a": "true", "b": null}
    # (https://docs.databricks.com/api/workspace/workspaceconf/getstatus).
    if path == "/api/2.0/workspace-conf":
        keys = [key for key in query.get("keys", "").split(",") if key]
        return 200, {key: ws.workspace_conf.get(key) for key in keys}
    # GET /api/2.0/settings/types/{type}/names/default -> {"etag", "setting_name", <field>: {...}}
    # (https://docs.databricks.com/api/workspace/restrictworkspaceadmins/get and the other settings).
    prefix = "/api/2.0/settings/types/"
    if path.startswith(prefix) and path.endswith("/names/default"):
        kind = path.removeprefix(prefix).removesuffix("/names/default")
        if kind not in ws.settings:
            return _missing(f"Setting {kind}")
        return 200, {"etag": f"etag-{kind}", "setting_name": "default", **ws.settings[kind]}
    # Workspace SCIM (https://docs.databricks.com/api/workspace/serviceprincipals/list).
    if path == "/api/2.0/preview/scim/v2/ServicePrincipals":
        return 200, _scim_page(ws.service_principals, query, ws.page_size)
    return _error(404, "ENDPOINT_NOT_FOUND", f"No API found for 'GET {path}'")


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
            content_type = self.headers.get("Content-Type") or ""
            is_json = raw.startswith("{") or "json" in content_type
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
