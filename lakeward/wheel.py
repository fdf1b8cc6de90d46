"""The code artifact: this project's wheel, built reproducibly and named by its SHA-256.

The same sources give the same bytes: the build runs the project's own backend (setuptools, PEP 517
`build_wheel`) in a fresh copy of the sources whose files all have mode 0644, with `SOURCE_DATE_EPOCH`
and the umask fixed, so every zip entry carries the same timestamp and permissions; the backend
writes entries in sorted order. A build is cached under a digest of the sources, so a synth that
finds the sources unchanged reuses the wheel instead of building it again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lakeward.errors import LakewardError

# The packages the wheel installs (pyproject.toml [tool.setuptools.packages.find]) and the files at
# the project root its metadata reads.
PACKAGES = ("infra", "lakeward", "policies", "stacks", "workloads")
ROOT_FILES = ("pyproject.toml", "README.md")
# 1980-01-01, the earliest time a zip entry can hold.
SOURCE_DATE_EPOCH = "315532800"
# The checkout these modules were imported from: its pyproject.toml builds the wheel.
SOURCE_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path.home() / ".cache" / "lakeward" / "wheels"
# The backend writes the metadata files with the process's umask: fixed too.
_BUILD = (
    "import os, sys; os.umask(0o022); from setuptools import build_meta; "
    "print(build_meta.build_wheel(sys.argv[1]))"
)


@dataclass(frozen=True)
class Wheel:
    """A built wheel: the local file and the SHA-256 of its bytes."""

    path: Path
    sha256: str

    @property
    def filename(self) -> str:
        return self.path.name

    def volume_path(self, volume: str) -> str:
        """Where the deploy uploads it under a volume (`/Volumes/<catalog>/<schema>/<volume>`): a folder
        named by its digest, so a new version lands beside the old one, never over it."""
        return f"{volume}/{self.sha256}/{self.filename}"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_files(root: Path) -> list[Path]:
    """Every file the build may read, relative to `root`, sorted: the root files and everything in the
    packages except caches and hidden files."""
    missing = [name for name in ROOT_FILES if not (root / name).is_file()]
    if missing:
        raise LakewardError(
            f"no {', '.join(missing)} here: the wheel is built from a source checkout",
            source=str(root),
            fix="run lakeward from a checkout of its sources (pyproject.toml beside the packages)",
        )

    def wanted(path: Path) -> bool:
        parts = path.relative_to(root).parts
        return path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in parts)

    found = [Path(name) for name in ROOT_FILES]
    for package in PACKAGES:
        found += [p.relative_to(root) for p in (root / package).rglob("*") if wanted(p)]
    return sorted(found, key=str)


def source_digest(root: Path) -> str:
    """SHA-256 over the sources' relative paths and contents: equal digests, equal wheels."""
    digest = hashlib.sha256()
    for relative in source_files(root):
        digest.update(f"{relative.as_posix()}\0".encode())
        digest.update(hashlib.sha256((root / relative).read_bytes()).digest())
    return digest.hexdigest()


def _copy_sources(root: Path, target: Path) -> None:
    for relative in source_files(root):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, destination)
        destination.chmod(0o644)


def build_wheel(root: Path, out: Path) -> Wheel:
    """Build the wheel of the project at `root` into the folder `out` (created), without the network."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".build-") as folder:
        sources, dist = Path(folder) / "src", Path(folder) / "dist"
        _copy_sources(root, sources)
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PYTHONDONTWRITEBYTECODE": "1"}
        done = subprocess.run(
            [sys.executable, "-c", _BUILD, str(dist)],
            cwd=sources,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise LakewardError(
                f"building the wheel failed:\n{done.stderr[-2000:]}",
                source=str(root),
                fix="fix the packaging error above (pyproject.toml)",
            )
        built = dist / done.stdout.strip().splitlines()[-1]
        target = out / built.name
        os.replace(built, target)
    return Wheel(target, file_sha256(target))


def project_wheel(root: Path = SOURCE_ROOT, cache: Path = CACHE_DIR) -> Wheel:
    """The wheel of the sources at `root`: from the cache when they are unchanged, else built once."""
    folder = cache / source_digest(root)
    cached = sorted(folder.glob("*.whl")) if folder.is_dir() else []
    if cached:
        return Wheel(cached[0], file_sha256(cached[0]))
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache, prefix=".new-"))
    try:
        wheel = build_wheel(root, staging)
        try:
            staging.rename(folder)
        except OSError:  # another build of the same sources got there first; its bytes are the same
            return project_wheel(root, cache)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Wheel(folder / wheel.filename, wheel.sha256)
