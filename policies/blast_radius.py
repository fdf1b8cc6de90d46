"""The blast-radius check: everything a tenant stack renders stays inside the tenant's namespace.

A check of the pack's kind (`policies.base.Check`: ID, name, severity, rationale, remediation) run on
each synthesized tenant stack right after synthesis, before anything is written. It reads the stack
through `policies.contract`, not the constructs, so it also catches what a construct, an aspect or an
override slipped in. Resource types it does not know are violations. It is not one of checkov's
per-resource checks because it judges a whole stack against the tenant's namespace, which only
synthesis knows; so it has no controls of its own and synthesis, not the scan, enforces it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.tenants.namespace import Namespace

from . import contract
from .base import Check, Severity

SECURABLE_KEYS = ("catalog", "schema", "table", "volume", "function", "model")


@dataclass(frozen=True)
class Violation:
    """One field of one resource (or data source, or reference) that leaves the namespace, and why."""

    address: str
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.address}.{self.field} = {self.value!r}: {self.message}"


Rule = Callable[[Namespace, dict[str, Any]], Iterator[tuple[str, Any, str]]]


def _name(ns: Namespace, value: Any) -> bool:
    return isinstance(value, str) and (ns.owns_name(value) or contract.is_reference(value))


def _securable(ns: Namespace, value: Any) -> bool:
    return isinstance(value, str) and (ns.owns_securable(value) or contract.is_reference(value))


def _principal(ns: Namespace, value: Any) -> bool:
    return isinstance(value, str) and ns.owns_principal(value)


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
        if function is not None and not (contract.is_reference(function) or ns.calls_function(function)):
            yield (
                f"{key}.function_name",
                function,
                "function outside the tenant catalog and the environment's governance schema",
            )


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
        if not contract.is_reference(body[key]):
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


RESOURCES: dict[str, Rule] = {
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


def _reads_functions(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    """A plan-time read of the functions of the tenant catalog or of the environment's governance
    schema."""
    schema = f"{body.get('catalog_name')}.{body.get('schema_name')}"
    if not (_securable(ns, body.get("catalog_name")) or schema == ns.governance):
        yield "catalog_name", body.get("catalog_name"), "reads functions outside the tenant catalog"


def _reads_catalog(key: str) -> Rule:
    """A plan-time read of run-time objects (functions, model versions) inside the tenant catalog."""

    def check(ns: Namespace, body: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
        if not _securable(ns, body.get(key)):
            yield key, body.get(key), "reads outside the tenant catalog"

    return check


DATA: dict[str, Rule | None] = {
    "databricks_group": _group,
    "terraform_remote_state": None,
    "databricks_functions": _reads_functions,
    "databricks_tag_policies": None,  # the account's governed tags, read-only
    "databricks_registered_model_versions": _reads_catalog("full_name"),
}


class BlastRadius(Check):
    """Every resource, data source and reference of one tenant stack stays in the tenant's namespace."""

    id = "LKW_TNT_001"
    name = "Tenant stack stays inside the tenant's namespace"
    severity = Severity.CRITICAL
    rationale = "A tenant stack that names, grants or refers outside its namespace reaches other tenants."
    remediation = "name tenant objects through Namespace and grant only to the tenant's groups"

    def __init__(self, namespace: Namespace) -> None:
        self.namespace = namespace

    def violations(self, document: dict[str, Any]) -> list[Violation]:
        """Everything of `document` that leaves the namespace; empty when the stack complies."""
        violations = []
        declared = set()
        for kind, rules, prefix in (("resource", RESOURCES, ""), ("data", DATA, "data.")):
            for type_, name, body in contract.resources(document, kind):
                address = f"{prefix}{type_}.{name}"
                declared.add(address)
                if type_ not in rules:
                    violations.append(
                        Violation(address, "type", type_, "not a resource type a tenant may render")
                    )
                    continue
                rule = rules[type_]
                if rule is not None:
                    violations.extend(
                        Violation(address, field, json.dumps(value), message)
                        for field, value, message in rule(self.namespace, body)
                    )
        for reference in contract.references_in(contract.block(document, "resource")):
            if reference.address not in declared:
                violations.append(
                    Violation(
                        reference.address,
                        "reference",
                        reference.address,
                        "refers to something outside the stack",
                    )
                )
        return violations


def check_stacks(out: Path, stacks: list[tuple[str, Namespace]]) -> None:
    """Raise `LakewardError` when a synthesized tenant stack under `out` leaves its namespace."""
    for stack, namespace in stacks:
        check = BlastRadius(namespace)
        violations = check.violations(contract.read_document(contract.stack_path(out, stack)))
        if violations:
            listing = "".join(f"\n    {violation}" for violation in violations[:10])
            count = len(violations)
            raise LakewardError(
                f"{check.id}: tenant '{namespace.tenant}' renders {count} thing(s) outside its "
                f"namespace:{listing}",
                source=stack,
                field="blast radius",
                fix=check.remediation,
                exit_code=1,
            )
