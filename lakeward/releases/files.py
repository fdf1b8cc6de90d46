"""Reading and writing `releases/<env>.yaml`: hostile input on the way in, atomic writes on the way out.

A missing file is an environment whose endpoints have no champion yet (nothing is served); a file that
names an endpoint the environment does not declare is refused, so that a typo cannot silently stop a
release from reaching its endpoint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from infra.config import ENVIRONMENT_NAME, Environment
from lakeward.errors import LakewardError
from lakeward.files import write_atomic
from lakeward.locate import project_path
from lakeward.releases.model import ReleaseFile
from lakeward.specfiles import checked_name, inside, load_yaml, read_text
from lakeward.tenants.loader import SpecLoader

RELEASES_DIR = project_path("releases")
HEADER = (
    "# Release state of one environment: written by `lakeward rollout ...`, reviewed in the pull request.\n"
)


def release_path(directory: Path, env_name: str) -> Path:
    checked_name(env_name, field="--env", pattern=ENVIRONMENT_NAME, fix="use an environment name")
    return inside(directory, env_name, ".yaml")


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def parse_releases(data: Any, source: str, env: Environment) -> ReleaseFile:
    """Validate parsed YAML against the model and against the environment's endpoints."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise LakewardError("the file must hold a YAML mapping", source=source, fix="see docs/releases.md")
    try:
        releases = ReleaseFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field(first["loc"])
        fix = (
            "remove this key or correct its spelling (see docs/releases.md)"
            if first["type"] == "extra_forbidden"
            else f"correct {field} (see docs/releases.md)"
        )
        raise LakewardError(
            first["msg"].removeprefix("Value error, "), source=source, field=field, fix=fix
        ) from None
    declared = [endpoint.name for endpoint in env.serving.endpoints]
    for name in releases.endpoints:
        if name not in declared:
            raise LakewardError(
                f"endpoint {name} is not one of {env.name}'s serving endpoints",
                source=source,
                field=f"endpoints.{name}",
                fix=f"use one of: {', '.join(declared)}",
            )
    return releases


def load_releases(env: Environment, directory: Path | None = None) -> ReleaseFile:
    """`DIR/<env>.yaml`, or an empty release (no champion anywhere) when the file does not exist; a
    `directory` passed explicitly must exist."""
    folder = directory or RELEASES_DIR
    if directory is not None and not folder.is_dir():
        raise LakewardError(
            "no such folder", source=str(folder), field="--releases", fix="pass the folder of release files"
        )
    path = release_path(folder, env.name)
    if not path.exists():
        return ReleaseFile()
    text = read_text(path, what="release file", fix="see docs/releases.md")
    return parse_releases(load_yaml(text, str(path), SpecLoader), str(path), env)


def write_releases(path: Path, releases: ReleaseFile) -> None:
    """Write the file atomically, leaving out what holds its default; what is written validates as
    the file it will be read back as."""
    data = ReleaseFile.model_validate(releases.model_dump()).model_dump(mode="json", exclude_defaults=True)
    write_atomic(path, HEADER + yaml.safe_dump(data, sort_keys=False))
