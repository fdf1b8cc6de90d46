"""`lakeward evidence diff A B`: what changed between two bundles in findings, grants, tenants,
waivers, model and prompt aliases, and control statuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lakeward.evidence.bundle import read_index

SECTIONS = ("controls", "findings", "grants", "tenants", "waivers", "model_aliases", "prompt_aliases")


def _load(bundle: Path, name: str, default: Any) -> Any:
    path = bundle / "data" / name
    return json.loads(path.read_bytes()) if path.is_file() else default


def facts(bundle: Path) -> dict[str, dict[str, str]]:
    """Each section as `{key: value}` so two bundles compare key by key."""
    read_index(bundle)
    findings = {
        f"{f['check_id']} {f['stack']}/{f['resource']}": f["status"]
        for f in _load(bundle, "scan/findings.json", [])
    }
    matrix = _load(bundle, "access/access-matrix.json", {"rows": []})["rows"]
    grants = {
        f"{r['principal']} {r['privilege']} {r['securable_type']}:{r['securable']}": "granted" for r in matrix
    }
    tenants = {
        path.stem: json.dumps(json.loads(path.read_bytes()), sort_keys=True)
        for path in sorted((bundle / "data" / "specs" / "tenants").glob("*.json"))
    }
    waivers = {
        f"{w['check']} {w['resource']} ({w['ticket']})": f"{w['status']} until {w['expires']}"
        for w in _load(bundle, "policies/waivers.json", [])
    }
    aliases = {}
    for kind in ("models", "prompts"):
        aliases[kind] = {
            f"{record['name']}@{alias}": f"v{version}"
            for record in _load(bundle, f"mlflow/{kind}.json", [])
            for alias, version in record["aliases"].items()
        }
    controls = {c["id"]: c["status"] for c in _load(bundle, "controls.json", [])}
    return {
        "controls": controls,
        "findings": findings,
        "grants": grants,
        "tenants": tenants,
        "waivers": waivers,
        "model_aliases": aliases["models"],
        "prompt_aliases": aliases["prompts"],
    }


def diff_bundles(a: Path, b: Path) -> dict[str, dict[str, Any]]:
    """Per section: keys added in B, removed from A, and changed (`{key: [before, after]}`)."""
    before, after = facts(a), facts(b)
    result = {}
    for section in SECTIONS:
        old, new = before[section], after[section]
        changed = {
            key: [old[key], new[key]] for key in sorted(old.keys() & new.keys()) if old[key] != new[key]
        }
        if section == "tenants":
            changed = {key: ["spec", "spec changed"] for key in changed}
        result[section] = {
            "added": {key: new[key] for key in sorted(new.keys() - old.keys())},
            "removed": {key: old[key] for key in sorted(old.keys() - new.keys())},
            "changed": changed,
        }
    return result


def has_changes(diff: dict[str, dict[str, Any]]) -> bool:
    return any(part for section in diff.values() for part in section.values())
