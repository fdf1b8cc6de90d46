"""Environment and tenant specifications, as the validated models see them."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import yaml

from lakeward.errors import LakewardError
from lakeward.evidence.items import Item, not_evaluated
from lakeward.evidence.verifier import canonical_json


def collect_environment(env_name: str, environments_dir: Path, now: dt.datetime) -> Item:
    """The environment file after validation, plus the SHA-256 of the YAML it came from."""
    from lakeward.infra.config import load_environment

    env = load_environment(env_name, environments_dir)
    source = environments_dir / f"{env_name}.yaml"
    summary = {
        "environment": env.name,
        "tier": env.tier.value,
        "region": env.aws.region,
        "compliance_security_profile": env.workspace.compliance_security_profile,
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
    }
    files = {f"specs/environment-{env.name}.json": canonical_json(env.model_dump(mode="json"))}
    return Item(
        f"environment:{env.name}",
        "environment",
        f"Environment spec ({env.name})",
        f"environments/{source.name}",
        summary=summary,
        files=files,
    ).stamp(now, derived=True)


def collect_tenants(tenants_dir: Path | None, now: dt.datetime) -> Item:
    """Every `tenants/*.yaml` (or `*.json`) spec; each must be a mapping."""
    title = "Tenant specs"
    paths = sorted([*tenants_dir.glob("*.yaml"), *tenants_dir.glob("*.json")]) if tenants_dir else []
    if not paths:
        return not_evaluated("tenants", "tenants", title, str(tenants_dir), "no tenant specs found")
    files: dict[str, bytes] = {}
    names = []
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise LakewardError(
                f"not valid YAML: {exc}", source=str(path), fix="correct the tenant spec"
            ) from None
        if not isinstance(data, dict):
            raise LakewardError("a tenant spec must be a mapping", source=str(path), fix="see tenants/README")
        name = str(data.get("name") or data.get("id") or path.stem)
        names.append(name)
        files[f"specs/tenants/{path.stem}.json"] = canonical_json(data)
    summary = {"tenants": len(names), "names": sorted(names)}
    return Item("tenants", "tenants", title, str(tenants_dir), summary=summary, files=files).stamp(
        now, derived=True
    )
