"""Build tenant specs for tests: a valid base document and folders of generated tenants."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

BASE: dict[str, Any] = {
    "apiVersion": "lakeward/v1",
    "kind": "Tenant",
    "metadata": {
        "name": "claims_analytics",
        "display_name": "Claims Analytics",
        "cost_center": "CC-1234",
        "owners": ["claims-platform-admins"],
        "data_classification": "confidential",
        "compliance_scopes": ["soc2"],
        "change": {"requested_by": "lead@example.com", "reason": "New claims unit", "ticket": "CHG-1234"},
    },
    "spec": {
        "workspaces": [{"name": "dev", "binding": "READ_WRITE"}],
        "catalog": {"isolation_mode": "ISOLATED", "schemas": ["raw", "curated"]},
        "groups": {
            "admins": "claims-platform-admins",
            "engineers": "claims-engineers",
            "readers": "claims-analysts",
        },
        "grants": [
            {
                "role": "engineers",
                "securable": "catalog",
                "privileges": ["USE_CATALOG", "USE_SCHEMA", "SELECT", "MODIFY"],
            },
            {
                "role": "readers",
                "securable": "schema:curated",
                "privileges": ["USE_CATALOG", "USE_SCHEMA", "SELECT"],
            },
        ],
        "abac": {
            "masks": [{"name": "mask_pii", "when": "hasTag('pii')", "except": ["admins"]}],
            "filters": [],
        },
        "compute": {"max_dbus_per_hour": 20, "autotermination_minutes": 30, "runtimes": "lts_only"},
        "budget": {"monthly_usd": 5000, "alerts_at": [0.5, 1.0], "notify": ["finops@example.com"]},
        "secrets": {
            "acls": [{"role": "admins", "permission": "MANAGE"}, {"role": "engineers", "permission": "READ"}]
        },
        "serving": {
            "endpoints": ["claims-assistant"],
            "rate_limits": [{"role": "engineers", "calls_per_minute": 120}],
        },
    },
}


def spec(name: str = "claims_analytics", **overrides: Any) -> dict[str, Any]:
    """A valid spec for `name` with its own groups; `overrides` maps dotted paths to new values."""
    document = copy.deepcopy(BASE)
    dashed = name.replace("_", "-")
    document["metadata"]["name"] = name
    document["metadata"]["owners"] = [f"{dashed}-admins"]
    document["spec"]["groups"] = {role: f"{dashed}-{role}" for role in ("admins", "engineers", "readers")}
    for path, value in overrides.items():
        set_path(document, path, value)
    return document


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def write_spec(folder: Path, document: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{document['metadata']['name']}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def write_tenants(folder: Path, count: int) -> list[str]:
    names = [f"tenant_{index:03d}" for index in range(count)]
    for name in names:
        write_spec(folder, spec(name))
    return names
