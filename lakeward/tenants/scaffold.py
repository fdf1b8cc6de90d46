"""`lakeward tenant new NAME`: write a valid starter spec, checked against the folder before writing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from infra.config import ENVIRONMENT_NAME, ENVIRONMENTS_DIR
from lakeward.errors import LakewardError
from lakeward.files import create_exclusive
from lakeward.specfiles import checked_name, load_yaml
from lakeward.tenants.loader import SpecLoader, load_tenants, parse_tenant, spec_path

HEADER = """\
# yaml-language-server: $schema=../schemas/tenant.schema.json
# Starter spec written by `lakeward tenant new`: review every value (docs/tenants.md explains each),
# then open a pull request. Owners and groups are account groups, never individuals.
"""


def starter_spec(name: str, env: str = "dev") -> dict[str, Any]:
    """The starter spec as data; values come only from the checked name and environment."""
    display = " ".join(part.capitalize() for part in name.split("_"))
    group = name.replace("_", "-")
    return {
        "apiVersion": "lakeward/v1",
        "kind": "Tenant",
        "metadata": {
            "name": name,
            "display_name": display,
            "cost_center": "CC-0000",
            "owners": [f"{group}-admins"],
            "data_classification": "internal",
            "compliance_scopes": [],
            "change": {
                "requested_by": "requester@example.com",
                "reason": f"Onboard {display}",
                "ticket": "CHG-0000",
            },
        },
        "spec": {
            "workspaces": [{"name": env, "binding": "READ_WRITE"}],
            "catalog": {
                "isolation_mode": "ISOLATED",
                "schemas": ["raw", "curated", "chunks", "embeddings", "evaluation"],
            },
            "groups": {
                "admins": f"{group}-admins",
                "engineers": f"{group}-engineers",
                "readers": f"{group}-readers",
            },
            "grants": [
                {
                    "role": "engineers",
                    "securable": "catalog",
                    "privileges": ["USE_CATALOG", "USE_SCHEMA", "SELECT", "MODIFY", "CREATE_TABLE"],
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
            "compute": {"max_dbus_per_hour": 10, "autotermination_minutes": 30, "runtimes": "lts_only"},
            "budget": {"monthly_usd": 1000, "alerts_at": [0.5, 0.8, 1.0], "notify": ["finops@example.com"]},
            "secrets": {
                "acls": [
                    {"role": "admins", "permission": "MANAGE"},
                    {"role": "engineers", "permission": "READ"},
                ]
            },
            "serving": {"endpoints": [], "rate_limits": []},
        },
    }


def new_tenant(
    name: str, tenants_dir: Path, *, env: str = "dev", environments_dir: Path = ENVIRONMENTS_DIR
) -> Path:
    """Write `tenants_dir/<name>.yaml`; nothing is written when the name or the result is invalid."""
    path = spec_path(tenants_dir, name)
    checked_name(
        env, field="--env", pattern=ENVIRONMENT_NAME, fix="use an environment name under environments/"
    )
    if path.exists() or (tenants_dir / f"{name}.yml").exists():
        raise LakewardError(
            "the tenant already exists", source=str(path), field="NAME", fix="pick another name"
        )
    data = starter_spec(name, env)
    text = HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    tenant = parse_tenant(load_yaml(text, str(path), SpecLoader), str(path))
    tenants_dir.mkdir(parents=True, exist_ok=True)
    load_tenants(tenants_dir, environments_dir, extra={path: tenant})
    create_exclusive(path, text, "NAME")
    return path
