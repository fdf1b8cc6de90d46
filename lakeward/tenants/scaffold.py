"""`lakeward tenant new NAME`: write a valid starter spec, checked against the folder before writing."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from infra.config import ENVIRONMENTS_DIR
from lakeward.errors import LakewardError
from lakeward.files import write_atomic
from lakeward.tenants.loader import SpecLoader, load_tenants, parse_tenant
from lakeward.tenants.model import TENANT_NAME

STARTER = """\
# yaml-language-server: $schema=../schemas/tenant.schema.json
# Starter spec written by `lakeward tenant new`: review every value, then open a pull request.
apiVersion: lakeward/v1
kind: Tenant
metadata:
  name: {name}
  display_name: {display}
  cost_center: CC-0000                 # the unit's cost center
  owners: [{group}-admins]              # groups, never individuals
  data_classification: internal         # public | internal | confidential | restricted
  compliance_scopes: []                 # soc2 | hipaa | pci
  change: {{requested_by: requester@example.com, reason: Onboard {display}, ticket: CHG-0000}}
spec:
  workspaces:
    - {{name: {env}, binding: READ_WRITE}}
  catalog: {{isolation_mode: ISOLATED, schemas: [raw, curated, chunks, embeddings, evaluation]}}
  groups:
    admins: {group}-admins
    engineers: {group}-engineers
    readers: {group}-readers
  grants:
    - {{role: engineers, on: catalog, privileges: [USE_CATALOG, USE_SCHEMA, SELECT, MODIFY, CREATE_TABLE]}}
    - {{role: readers, on: "schema:curated", privileges: [USE_CATALOG, USE_SCHEMA, SELECT]}}
  abac:
    masks: [{{name: mask_pii, when: "hasTag('pii')", except: [admins]}}]
    filters: []
  compute: {{max_dbus_per_hour: 10, autotermination_minutes: 30, runtimes: lts_only}}
  budget: {{monthly_usd: 1000, alerts_at: [0.5, 0.8, 1.0], notify: [finops@example.com]}}
  secrets:
    acls: [{{role: admins, permission: MANAGE}}, {{role: engineers, permission: READ}}]
  serving:
    endpoints: []
    rate_limits: []
"""


def starter_spec(name: str, env: str = "dev") -> str:
    display = " ".join(part.capitalize() for part in name.split("_"))
    return STARTER.format(name=name, display=display, group=name.replace("_", "-"), env=env)


def new_tenant(
    name: str, tenants_dir: Path, *, env: str = "dev", environments_dir: Path = ENVIRONMENTS_DIR
) -> Path:
    """Write `tenants_dir/<name>.yaml`; nothing is written when the name or the result is invalid."""
    if not re.fullmatch(TENANT_NAME, name):
        raise LakewardError(
            f"'{name}' is not a tenant name",
            field="NAME",
            fix="use 3 to 40 lowercase letters, digits and underscores, starting with a letter",
        )
    path = tenants_dir / f"{name}.yaml"
    if path.exists() or (tenants_dir / f"{name}.yml").exists():
        raise LakewardError(
            "the tenant already exists", source=str(path), field="NAME", fix="pick another name"
        )
    text = starter_spec(name, env)
    tenant = parse_tenant(yaml.load(text, Loader=SpecLoader), str(path))
    tenants_dir.mkdir(parents=True, exist_ok=True)
    load_tenants(tenants_dir, environments_dir, extra={path: tenant})
    write_atomic(path, text)
    return path
