"""A secrets scan (detect-secrets, default plugins) over the repository and synthesized Terraform JSON.

Terraform logical IDs that CDK Terrain generates (a construct path plus an 8-hex-digit hash, such as
`logs-bucket_ownership_CD19AB97`) read as high-entropy strings; they are the only values ignored.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lakeward.errors import LakewardError

GENERATED_ID = re.compile(r"^[\w.-]*_[0-9A-F]{8}[a-z_]*$")


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


def find_secrets(files: Iterable[Path]) -> list[SecretFinding]:
    """Every potential secret in `files`, less generated Terraform logical IDs."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    collection = SecretsCollection()
    with default_settings():
        for path in files:
            collection.scan_file(str(path))
    found = []
    for filename, secret in collection:
        if secret.secret_value and GENERATED_ID.match(secret.secret_value):
            continue
        found.append(SecretFinding(filename, secret.line_number, secret.type))
    return sorted(found, key=lambda f: (f.file, f.line))
