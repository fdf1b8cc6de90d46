"""The blast-radius check: everything a tenant stack renders stays inside the tenant's namespace.

It reads the synthesized `cdk.tf.json`, not the constructs, so it also catches what a construct,
an aspect or an override slipped in. Resource types it does not know are violations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.tenants.namespace import Namespace

REFERENCE = re.compile(r"\$\{(?P<data>data\.)?(?P<type>[a-z0-9_]+)\.(?P<name>[\w-]+)")
SECURABLE_KEYS = ("catalog", "schema", "table", "volume", "function", "model")


@dataclass(frozen=True)
class Violation:
    address: str
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.address}.{self.field} = {self.value!r}: {self.message}"


Check = Callable[[Namespace, dict[str, Any]], Iterator[tuple[str, Any, str]]]


def _name(ns: Namespace, value: Any) -> bool:
    return isinstance(value, str) and (ns.owns_name(value) or _is_reference(value))


def _securable(ns: Namespace, value: Any) -> bool:
    return isinstance(value, str) and (ns.owns_securable(value) or _is_reference(value))


def _principal(ns: Namespace, value: Any) -> bool:
    return isinstance(value, str) and ns.owns_principal(value)


def _is_reference(value: str) -> bool:
    return value.startswith("${") and value.endswith("}")


def _catalog(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    if body.get("name") != ns.catalog:
        yield "name", body.get("name"), f"the tenant catalog is '{ns.catalog}'"
    yield from _owner(ns, body)


def _owner(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    if "owner" in body and not _principal(ns, body["owner"]):
        yield "owner", body["owner"], "owner is not one of the tenant's groups"


def _schema(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    if not _securable(ns, body.get("catalog_name")):
        yield "catalog_name", body.get("catalog_name"), "schema outside the tenant catalog"
    yield from _owner(ns, body)


def _binding(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    if not _securable(ns, body.get("securable_name")):
        yield "securable_name", body.get("securable_name"), "binds a catalog outside the tenant"


def _grants(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    targets = [key for key in body if key not in ("grant", "depends_on", "provider", "lifecycle", "//")]
    for key in targets:
        if key not in SECURABLE_KEYS:
            yield key, body[key], f"grants on a {key} are outside any tenant"
        elif not _securable(ns, body[key]):
            yield key, body[key], "grants on a securable outside the tenant catalog"
    for index, grant in enumerate(body.get("grant", [])):
        if not _principal(ns, grant.get("principal")):
            yield (
                f"grant[{index}].principal",
                grant.get("principal"),
                "grants to a principal of no tenant group",
            )


def _policy(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    if not _securable(ns, body.get("on_securable_fullname")):
        yield "on_securable_fullname", body.get("on_securable_fullname"), "policy outside the tenant catalog"
    for key in ("to_principals", "except_principals"):
        for index, principal in enumerate(body.get(key) or []):
            if not _principal(ns, principal):
                yield f"{key}[{index}]", principal, "not one of the tenant's groups"
    for key in ("column_mask", "row_filter"):
        function = (body.get(key) or {}).get("function_name")
        if function is not None and not _securable(ns, function):
            yield f"{key}.function_name", function, "function outside the tenant catalog"


def _scope(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    if not _name(ns, body.get("name")):
        yield "name", body.get("name"), f"names start with '{ns.tenant}-'"


def _secret_acl(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    if not _name(ns, body.get("scope")):
        yield "scope", body.get("scope"), "a secret scope outside the tenant"
    if not _principal(ns, body.get("principal")):
        yield "principal", body.get("principal"), "not one of the tenant's groups"


def _permissions(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    objects = [key for key in body if key.endswith("_id")]
    for key in objects:
        if not (isinstance(body[key], str) and _is_reference(body[key])):
            yield key, body[key], "permissions on an object this stack does not create"
    for index, entry in enumerate(body.get("access_control", [])):
        for key, value in entry.items():
            if key == "group_name" and not _principal(ns, value):
                yield f"access_control[{index}].group_name", value, "not one of the tenant's groups"
            elif key in ("user_name", "service_principal_name"):
                yield f"access_control[{index}].{key}", value, "tenants grant to their groups only"


def _serving(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    yield from _scope(ns, body)
    for index, entity in enumerate((body.get("config") or {}).get("served_entities", [])):
        if not _securable(ns, entity.get("entity_name")):
            yield (
                f"config.served_entities[{index}].entity_name",
                entity.get("entity_name"),
                "model of another catalog",
            )
    gateway = body.get("ai_gateway") or {}
    for index, limit in enumerate(gateway.get("rate_limits", [])):
        grouped = limit.get("key") == "user_group" and _principal(ns, limit.get("principal"))
        overall = limit.get("key") in ("user", "endpoint") and "principal" not in limit
        if not (grouped or overall):
            yield f"ai_gateway.rate_limits[{index}]", limit, "group limits name the tenant's groups only"
    table = gateway.get("inference_table_config") or {}
    if "catalog_name" in table and not _securable(ns, table["catalog_name"]):
        yield (
            "ai_gateway.inference_table_config.catalog_name",
            table["catalog_name"],
            "logs to another catalog",
        )


def _assignment(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    principal = str(body.get("principal_id", ""))
    if not principal.startswith("${data.databricks_group."):
        yield "principal_id", principal, "assigns a principal the stack does not look up as a tenant group"


def _budget(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    yield from _scope(ns, {"name": body.get("display_name")})
    tags = (body.get("filter") or {}).get("tags", [])
    if tags != [{"key": "Tenant", "value": {"operator": "IN", "values": [ns.tenant]}}]:
        yield "filter.tags", tags, f"the budget must filter on Tenant = {ns.tenant} only"


def _group(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    if not _principal(ns, body.get("display_name")):
        yield "display_name", body.get("display_name"), "not one of the tenant's groups"


RESOURCES: dict[str, Check] = {
    "databricks_catalog": _catalog,
    "databricks_workspace_binding": _binding,
    "databricks_schema": _schema,
    "databricks_grants": _grants,
    "databricks_policy_info": _policy,
    "databricks_secret_scope": _scope,
    "databricks_secret_acl": _secret_acl,
    "databricks_cluster_policy": _scope,
    "databricks_permissions": _permissions,
    "databricks_model_serving": _serving,
    "databricks_mws_permission_assignment": _assignment,
    "databricks_budget": _budget,
}


def _reads_catalog(key: str) -> Check:
    """A plan-time read of run-time objects (functions, model versions) inside the tenant catalog."""

    def check(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
        if not _securable(ns, body.get(key)):
            yield key, body.get(key), "reads outside the tenant catalog"

    return check


DATA: dict[str, Check | None] = {
    "databricks_group": _group,
    "terraform_remote_state": None,
    "databricks_functions": _reads_catalog("catalog_name"),
    "databricks_registered_model_versions": _reads_catalog("full_name"),
}


def check_document(document: dict[str, Any], namespace: Namespace) -> list[Violation]:
    """Every resource, data source and reference of one tenant stack that leaves the namespace."""
    violations = []
    declared = set()
    for section, rules, prefix in (("resource", RESOURCES, ""), ("data", DATA, "data.")):
        for kind, items in document.get(section, {}).items():
            for name, body in items.items():
                address = f"{prefix}{kind}.{name}"
                declared.add(address)
                if kind not in rules:
                    violations.append(
                        Violation(address, "type", kind, "not a resource type a tenant may render")
                    )
                    continue
                check = rules[kind]
                if check is not None:
                    violations.extend(
                        Violation(address, field, json.dumps(value), message)
                        for field, value, message in check(namespace, body)
                    )
    for match in REFERENCE.finditer(json.dumps(document.get("resource", {}))):
        address = f"{match['data'] or ''}{match['type']}.{match['name']}"
        if address not in declared:
            violations.append(
                Violation(address, "reference", match[0], "refers to something outside the stack")
            )
    return violations


def check_stacks(out: Path, stacks: list[tuple[str, Namespace]]) -> None:
    """Raise `LakewardError` when a synthesized tenant stack under `out` leaves its namespace."""
    for stack, namespace in stacks:
        path = out / "stacks" / stack / "cdk.tf.json"
        violations = check_document(json.loads(path.read_text(encoding="utf-8")), namespace)
        if violations:
            listing = "".join(f"\n    {violation}" for violation in violations[:10])
            count = len(violations)
            raise LakewardError(
                f"tenant '{namespace.tenant}' renders {count} thing(s) outside its namespace:{listing}",
                source=stack,
                field="blast radius",
                fix="name tenant objects through Namespace and grant only to the tenant's groups",
                exit_code=1,
            )
