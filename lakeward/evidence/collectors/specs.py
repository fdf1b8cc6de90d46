"""Environment and tenant specifications, as the validated models see them."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path

from lakeward.evidence.items import Item, not_evaluated
from lakeward.evidence.verifier import canonical_json


def collect_environment(env_name: str, environments_dir: Path, now: dt.datetime) -> Item:
    """The environment file after validation, plus the SHA-256 of the YAML it came from."""
    from infra.config import load_environment

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


def collect_tenants(tenants_dir: Path | None, environments_dir: Path, now: dt.datetime) -> Item:
    """Every tenant spec, validated alone, against the others and against its environments."""
    from lakeward.tenants.loader import load_tenants

    title = "Tenant specs"
    if tenants_dir is None or not tenants_dir.is_dir() or not any(tenants_dir.glob("*.y*ml")):
        return not_evaluated("tenants", "tenants", title, str(tenants_dir), "no tenant specs found")
    tenants = load_tenants(tenants_dir, environments_dir)
    files = {
        f"specs/tenants/{name}.json": canonical_json(tenant.model_dump(mode="json", by_alias=True))
        for name, tenant in sorted(tenants.items())
    }
    summary = {
        "tenants": len(tenants),
        "names": sorted(tenants),
        "classification": dict(
            sorted(Counter(t.metadata.data_classification.value for t in tenants.values()).items())
        ),
        "archived": sorted(name for name, t in tenants.items() if t.archived),
    }
    return Item("tenants", "tenants", title, str(tenants_dir), summary=summary, files=files).stamp(
        now, derived=True
    )
