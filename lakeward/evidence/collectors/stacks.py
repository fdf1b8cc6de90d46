"""The synthesized stacks and the access matrix their grants, permissions and secret ACLs declare."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from lakeward.evidence.items import Item, not_evaluated
from lakeward.evidence.verifier import canonical_json
from policies import contract

GRANT_SECURABLES = (
    "metastore",
    "catalog",
    "schema",
    "table",
    "volume",
    "model",
    "function",
    "storage_credential",
    "external_location",
    "connection",
    "share",
)
NAME_ATTRIBUTES = ("name", "display_name", "instance_pool_name", "application_id")
MATRIX_COLUMNS = ("principal", "securable_type", "securable", "privilege", "stack", "resource")


def collect_stacks(out: Path | None, now: dt.datetime) -> Item:
    """Every synthesized stack, re-encoded as canonical JSON, with its resource counts."""
    stacks = contract.read_stacks(out) if out else {}
    if not stacks:
        return not_evaluated("stacks", "stacks", "Synthesized stacks", str(out), f"no {contract.STACK_GLOB}")
    files = {contract.stack_file(name): canonical_json(doc) for name, doc in stacks.items()}
    counts = {name: contract.resource_count(doc) for name, doc in stacks.items()}
    summary = {"stacks": counts, "resources": sum(counts.values())}
    return Item(
        "stacks", "stacks", "Synthesized stacks", "lakeward synth", summary=summary, files=files
    ).stamp(now, derived=True)


class _Resolver:
    """Turns `${type.name.attr}` references into the names people read (catalog.schema, group names),
    following a value another stack exports to the expression that stack gives it."""

    def __init__(self, document: dict[str, Any], stacks: dict[str, dict[str, Any]]):
        self.document = document
        self.stacks = stacks

    def __call__(self, value: Any) -> str:
        text = str(value)
        exported = contract.remote_output(text)
        if exported and exported[0] in self.stacks:
            producer = self.stacks[exported[0]]
            expression = contract.block(producer, "output").get(exported[1], {}).get("value", text)
            return text if expression == text else _Resolver(producer, self.stacks)(expression)
        reference = contract.parse_reference(text)
        if reference is None or reference.attribute is None:
            return text  # only an attribute of a resource or data source names something
        kind = "data" if reference.data else "resource"
        body = contract.block(contract.block(self.document, kind), reference.type).get(reference.name)
        if body is None:
            return text
        if reference.type == "databricks_schema" and "catalog_name" in body:
            return f"{self(body['catalog_name'])}.{body.get('name', reference.name)}"
        if reference.type == "databricks_service_principal" and "display_name" in body:
            return str(body["display_name"])
        for attribute in (reference.attribute, *NAME_ATTRIBUTES):
            if isinstance(body.get(attribute), str) and not body[attribute].startswith("${"):
                return body[attribute]
        return reference.address


def access_matrix(stacks: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """Rows of principal x securable x privilege from every grant, permission and secret ACL."""
    rows: list[dict[str, str]] = []
    for stack, document in stacks.items():
        resolve = _Resolver(document, stacks)
        for name, body in contract.resources_of(document, "databricks_grants").items():
            kind = next((key for key in GRANT_SECURABLES if key in body), "unknown")
            securable = resolve(body.get(kind, "")) if kind != "unknown" else name
            for grant in _blocks(body.get("grant")):
                for privilege in grant.get("privileges", []):
                    rows.append(
                        _row(
                            resolve(grant.get("principal")),
                            kind,
                            securable,
                            privilege,
                            stack,
                            f"databricks_grants.{name}",
                        )
                    )
        for name, body in contract.resources_of(document, "databricks_permissions").items():
            key = next((k for k in sorted(body) if k.endswith("_id") or k in ("authorization",)), "unknown")
            securable = resolve(body.get(key, name))
            for entry in _blocks(body.get("access_control")):
                principal = next(
                    (entry[k] for k in ("group_name", "user_name", "service_principal_name") if k in entry),
                    "?",
                )
                rows.append(
                    _row(
                        resolve(principal),
                        key.removesuffix("_id"),
                        securable,
                        str(entry.get("permission_level")),
                        stack,
                        f"databricks_permissions.{name}",
                    )
                )
        for name, body in contract.resources_of(document, "databricks_secret_acl").items():
            rows.append(
                _row(
                    resolve(body.get("principal")),
                    "secret_scope",
                    resolve(body.get("scope")),
                    str(body.get("permission")),
                    stack,
                    f"databricks_secret_acl.{name}",
                )
            )
    return sorted(rows, key=lambda row: tuple(row[column] for column in MATRIX_COLUMNS))


def _row(
    principal: str, kind: str, securable: str, privilege: str, stack: str, resource: str
) -> dict[str, str]:
    return dict(zip(MATRIX_COLUMNS, (principal, kind, securable, privilege, stack, resource), strict=True))


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [item for item in value or [] if isinstance(item, dict)]


def collect_access_matrix(out: Path | None, now: dt.datetime) -> Item:
    stacks = contract.read_stacks(out) if out else {}
    title = "Access matrix (principal x securable x privilege)"
    if not stacks:
        return not_evaluated("access-matrix", "access-matrix", title, str(out), "no synthesized stacks")
    rows = access_matrix(stacks)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=MATRIX_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    summary = {
        "rows": len(rows),
        "principals": len({row["principal"] for row in rows}),
        "securables": len({(row["securable_type"], row["securable"]) for row in rows}),
        "all_privileges_grants": sum(row["privilege"] == "ALL_PRIVILEGES" for row in rows),
    }
    files = {
        "access/access-matrix.json": canonical_json({"columns": list(MATRIX_COLUMNS), "rows": rows}),
        "access/access-matrix.csv": text.getvalue().encode("utf-8"),
    }
    return Item(
        "access-matrix",
        "access-matrix",
        title,
        "databricks_grants, databricks_permissions, databricks_secret_acl in the stacks",
        summary=summary,
        files=files,
    ).stamp(now, derived=True)
