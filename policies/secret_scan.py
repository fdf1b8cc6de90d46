"""A secrets scan (detect-secrets, default plugins) over the repository and synthesized Terraform JSON.

Terraform logical IDs that CDK Terrain generates (a construct path plus an 8-hex-digit hash, such as
`logs-bucket_ownership_CD19AB97`) read as high-entropy strings and are ignored. Other accepted findings
(test credentials for a local moto server, say) are listed in `.secrets.baseline`, detect-secrets' own
baseline format, matched by file and hashed secret so that moving a line does not matter.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lakeward.errors import LakewardError
from lakeward.locate import project_path

GENERATED_ID = re.compile(r"^[\w.-]*_[0-9A-F]{8}[a-z_]*$")
BASELINE = project_path(".secrets.baseline")


@dataclass(frozen=True)
class SecretFinding:
    file: str
    line: int
    kind: str


def repository_files(root: Path) -> list[Path]:
    """Tracked files and untracked files git does not ignore."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise LakewardError(
            f"cannot list files with git: {exc}", source=str(root), fix="run inside the repository"
        ) from None
    return [root / name for name in listed.split("\0") if name and (root / name).is_file()]


def find_secrets(files: Iterable[Path], baseline: Path | None = BASELINE) -> list[SecretFinding]:
    """Every potential secret in `files`, less generated Terraform logical IDs and baseline entries."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    accepted = _accepted(baseline)
    collection = SecretsCollection()
    with default_settings():
        for path in files:
            if baseline is None or path.resolve() != baseline.resolve():  # it holds hashes, not secrets
                collection.scan_file(str(path))
    found = []
    for filename, secret in collection:
        if secret.secret_value and GENERATED_ID.match(secret.secret_value):
            continue
        if (_relative(filename, baseline), secret.secret_hash) in accepted:
            continue
        found.append(SecretFinding(filename, secret.line_number, secret.type))
    return sorted(found, key=lambda f: (f.file, f.line))


def _accepted(baseline: Path | None) -> set[tuple[str, str]]:
    if baseline is None or not baseline.is_file():
        return set()
    try:
        results = json.loads(baseline.read_text(encoding="utf-8"))["results"]
    except (ValueError, KeyError) as exc:
        raise LakewardError(
            f"not a detect-secrets baseline: {exc}",
            source=str(baseline),
            fix="regenerate it with detect-secrets",
        ) from None
    return {(name, entry["hashed_secret"]) for name, entries in results.items() for entry in entries}


def _relative(filename: str, baseline: Path | None) -> str:
    path = Path(filename).resolve()
    root = baseline.parent.resolve() if baseline else Path.cwd()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else filename
