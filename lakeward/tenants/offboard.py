"""`lakeward tenant remove NAME`: archive (revoke access, keep data) or, after retention, destroy.

Archiving rewrites the spec with `metadata.lifecycle.state: archived`; the tenant's stack then keeps
only its catalog, schemas, ABAC policies and its admins' read access. Destroying deletes the spec, so
the next deploy drops the tenant's stack; it is refused until the tenant has been archived for
`spec.retention_days` and the operator confirms the tenant's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from lakeward.errors import LakewardError
from lakeward.files import write_atomic
from lakeward.tenants.loader import TENANTS_DIR, load_tenant_file, parse_tenant, read_spec, spec_path
from stacks.names import tenant_stack_id

Mode = Literal["archive", "destroy"]


@dataclass(frozen=True)
class Removal:
    tenant: str
    mode: Mode
    path: Path
    stacks: list[str]

    def as_dict(self) -> dict[str, object]:
        return {"tenant": self.tenant, "mode": self.mode, "path": str(self.path), "stacks": self.stacks}


def remove_tenant(
    name: str,
    tenants_dir: Path = TENANTS_DIR,
    *,
    mode: Mode = "archive",
    confirm: str | None = None,
    today: dt.date | None = None,
) -> Removal:
    today = today or dt.date.today()
    path = spec_path(tenants_dir, name)
    tenant = load_tenant_file(path)
    stacks = [tenant_stack_id(ref.name, name) for ref in tenant.spec.workspaces]
    if mode == "archive":
        if tenant.archived:
            raise LakewardError(
                "already archived", source=str(path), field="metadata.lifecycle", fix="use --destroy"
            )
        data = read_spec(path)
        data["metadata"]["lifecycle"] = {"state": "archived", "archived_at": today.isoformat()}
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        parse_tenant(data, str(path))
        write_atomic(path, "# yaml-language-server: $schema=../schemas/tenant.schema.json\n" + text)
        return Removal(name, mode, path, stacks)
    if not tenant.archived or tenant.metadata.lifecycle.archived_at is None:
        raise LakewardError(
            "only an archived tenant can be destroyed",
            source=str(path),
            field="metadata.lifecycle.state",
            fix=f"run `lakeward tenant remove {name}` first and wait out spec.retention_days",
        )
    release = tenant.metadata.lifecycle.archived_at + dt.timedelta(days=tenant.spec.retention_days)
    if today < release:
        raise LakewardError(
            f"data retention holds the tenant's data until {release.isoformat()}",
            source=str(path),
            field="spec.retention_days",
            fix="wait until then; retention cannot be shortened once archived without a reviewed change",
        )
    if confirm != name:
        raise LakewardError(
            "destroying drops the tenant's stacks and, once emptied, its catalog",
            field="--confirm",
            fix=f"pass --confirm {name}",
        )
    path.unlink()
    return Removal(name, mode, path, stacks)
