"""`lakeward tenant validate FILE...`: each spec alone, then against the others in its folder."""

from __future__ import annotations

from pathlib import Path

from infra.config import ENVIRONMENTS_DIR
from lakeward.tenants.loader import load_tenant_file, load_tenants
from lakeward.tenants.model import Tenant


def validate_files(files: list[Path], environments_dir: Path = ENVIRONMENTS_DIR) -> list[Tenant]:
    """Raise `LakewardError` on the first problem; return the validated tenants."""
    tenants = [load_tenant_file(path) for path in files]
    for folder in dict.fromkeys(path.resolve().parent for path in files):
        load_tenants(folder, environments_dir)
    return tenants
