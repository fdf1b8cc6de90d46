"""`lakeward evidence diff A B --pubkey KEY`: what changed between two bundles in findings, grants,
tenants, waivers, model and prompt aliases, and control statuses.

Both bundles are verified first (signature, manifests, every file; the chain from A to B when B names
A as its previous bundle): a bundle that does not verify is refused with the verifier's exit code, so a
tampered access matrix is never shown as a real change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.evidence.bundle import read_index
from lakeward.evidence.verifier import EXIT_BAD_INPUT, verify_bundle

SECTIONS = ("controls", "findings", "grants", "tenants", "waivers", "model_aliases", "prompt_aliases")


def rejected(bundle: Path, exit_code: int, problems: list[str]) -> LakewardError:
    """The error for a bundle that does not verify, carrying the verifier's exit code."""
    shown = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
    return LakewardError(
        f"the bundle does not verify: {shown}",
        source=str(bundle),
        fix=f"run `lakeward evidence verify {bundle} --pubkey KEY`; compare only bundles that verify",
        exit_code=exit_code,
    )


def _load(bundle: Path, name: str, default: Any) -> Any:
    path = bundle / "data" / name
    if not path.is_file():
        return default
    try:
        return json.loads(path.read_bytes())
    except ValueError:
        raise rejected(bundle, EXIT_BAD_INPUT, [f"data/{name} is not JSON"]) from None


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


def verified(bundle: Path, public_key_pem: bytes) -> Path:
    """`bundle` once it verifies against the key, else the verifier's refusal."""
    result = verify_bundle(bundle, public_key_pem)
    if not result.ok:
        raise rejected(bundle, result.exit_code, [message for _, message in result.problems])
    return bundle


def diff_bundles(a: Path, b: Path, public_key_pem: bytes) -> dict[str, dict[str, Any]]:
    """Per section: keys added in B, removed from A, and changed (`{key: [before, after]}`), over two
    bundles that both verify against the signer's public key."""
    try:
        before, after = facts(verified(a, public_key_pem)), facts(verified(b, public_key_pem))
    except (KeyError, TypeError) as exc:
        raise LakewardError(
            f"a signed file lacks an expected field ({exc})",
            fix="export both bundles with the same Lakeward version",
        ) from None
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
