"""How the served model is operated: the environment's release state (champion, challenger, kill
switches, freeze overrides with their owner, reason and expiry) and the incident playbooks' versions."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from lakeward.evidence.items import Item, not_evaluated
from lakeward.evidence.verifier import canonical_json


def collect_releases(env_name: str, environments_dir: Path, releases_dir: Path, now: dt.datetime) -> Item:
    """`releases/<env>.yaml` after validation; each freeze override marked active or expired as of now."""
    from infra.config import load_environment
    from lakeward.releases.files import load_releases, release_path

    env = load_environment(env_name, environments_dir)
    path = release_path(releases_dir, env.name)
    title = f"Release state ({env.name})"
    if not path.is_file():
        return not_evaluated(
            f"releases:{env.name}", "releases", title, str(path), "no release file: nothing served"
        )
    releases = load_releases(env, releases_dir)
    today = now.date()
    overrides = [
        {**o.model_dump(mode="json"), "status": "active" if o.active(today) else "expired"}
        for o in releases.freeze_overrides
    ]
    data = {**releases.model_dump(mode="json"), "freeze_overrides": overrides}
    summary = {
        "endpoints": {
            name: {
                "champion": r.champion.version if r.champion else None,
                "challenger": r.challenger.version if r.challenger else None,
                "challenger_percent": r.challenger.traffic_percent if r.challenger else 0,
                "kill_switch": r.kill_switch,
            }
            for name, r in releases.endpoints.items()
        },
        "killed_tenants": sorted(name for name, t in releases.tenants.items() if t.kill_switch),
        "freeze_overrides": len(overrides),
        "active_overrides": sum(o["status"] == "active" for o in overrides),
        "source_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    return Item(
        f"releases:{env.name}",
        "releases",
        title,
        f"releases/{path.name}",
        summary=summary,
        files={f"operations/releases-{env.name}.json": canonical_json(data)},
    ).stamp(now, derived=True)


def collect_playbooks(folder: Path, now: dt.datetime) -> Item:
    """Each incident playbook under `folder` with the SHA-256 of its text: the version responders used."""
    title = "Incident playbooks"
    pages = sorted(folder.glob("*.md")) if folder.is_dir() else []
    if not pages:
        return not_evaluated("playbooks", "playbooks", title, str(folder), "no playbooks")
    versions = [
        {
            "playbook": page.stem,
            "sha256": hashlib.sha256(page.read_bytes()).hexdigest(),
            "bytes": page.stat().st_size,
        }
        for page in pages
    ]
    return Item(
        "playbooks",
        "playbooks",
        title,
        "docs/playbooks/",
        summary={"playbooks": {v["playbook"]: v["sha256"] for v in versions}},
        files={"operations/playbooks.json": canonical_json(versions)},
    ).stamp(now, derived=True)
