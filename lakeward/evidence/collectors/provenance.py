"""Where the bundle came from: the git commit and the versions of the tools that produced it."""

from __future__ import annotations

import datetime as dt
import json
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from lakeward.evidence.items import Item
from lakeward.evidence.verifier import canonical_json

PACKAGES = (
    "lakeward",
    "cdktn",
    "cdktn-provider-aws",
    "cdktn-provider-databricks",
    "cryptography",
    "pydantic",
    "mlflow-skinny",
    "databricks-sdk",
    "boto3",
    "checkov",
)


def _git(repo: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=20, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _terraform() -> str | None:
    if not shutil.which("terraform"):
        return None
    try:
        done = subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True, timeout=20)
        return json.loads(done.stdout).get("terraform_version")
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def tool_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version(), "terraform": _terraform()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(repo: Path) -> dict[str, str | bool | None]:
    commit = _git(repo, "rev-parse", "HEAD")
    status = _git(repo, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def collect_provenance(repo: Path, now: dt.datetime) -> Item:
    record: dict[str, Any] = {"git": git_commit(repo), "tools": tool_versions()}
    item = Item(
        "provenance",
        "provenance",
        "Git commit and tool versions",
        "git, importlib.metadata",
        summary={"commit": record["git"]["commit"], "dirty": record["git"]["dirty"]},
        files={"provenance.json": canonical_json(record)},
    )
    if record["git"]["commit"] is None:
        item.note = "not a git checkout: no commit recorded"
    return item.stamp(now, derived=True)
