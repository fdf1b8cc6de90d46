"""The code artifact: the same sources give the same wheel, byte for byte, and a synth reuses it."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import REPO
from lakeward.errors import LakewardError
from lakeward.wheel import build_wheel, project_wheel, source_digest, source_files


def _checkout_copy(target: Path, mode: int, mtime: int) -> Path:
    """The sources copied with other permissions and timestamps than the checkout's."""
    for relative in source_files(REPO):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / relative, destination)
        destination.chmod(mode)
        os.utime(destination, (mtime, mtime))
    return target


def test_the_wheel_is_byte_identical_when_built_twice(tmp_path: Path) -> None:
    first = build_wheel(_checkout_copy(tmp_path / "a", 0o600, 1_700_000_000), tmp_path / "out-a")
    second = build_wheel(_checkout_copy(tmp_path / "b", 0o755, 1_800_000_000), tmp_path / "out-b")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == second.sha256 and first.filename == second.filename
    with zipfile.ZipFile(first.path) as wheel:
        infos = wheel.infolist()
        names = [info.filename for info in infos]
        scripts = wheel.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {info.filename: info.external_attr >> 16 & 0o777 for info in infos}
    assert set(modes.values()) == {0o644, 0o664} and modes[names[-1]] == 0o664  # RECORD: fixed by wheel
    assert (
        "workloads/rag/jobs.py" in names and "lakeward-evaluate = workloads.rag.jobs:evaluate_main" in scripts
    )


def test_a_changed_source_changes_the_digest_and_the_wheel(tmp_path: Path) -> None:
    sources = _checkout_copy(tmp_path / "src", 0o644, 1_700_000_000)
    before = source_digest(sources)
    cache = tmp_path / "cache"
    wheel = project_wheel(sources, cache)
    assert project_wheel(sources, cache) == wheel, "unchanged sources reuse the cached build"
    (sources / "workloads" / "rag" / "jobs.py").write_text("# changed\n", encoding="utf-8")
    assert source_digest(sources) != before
    changed = project_wheel(sources, cache)
    assert changed.sha256 != wheel.sha256 and wheel.path.is_file(), "the old build stays where it was"
    assert changed.volume_path("/Volumes/c/raw/artifacts") == (
        f"/Volumes/c/raw/artifacts/{changed.sha256}/{changed.filename}"
    )


def test_no_checkout_no_wheel(tmp_path: Path) -> None:
    with pytest.raises(LakewardError, match="built from a source checkout"):
        project_wheel(tmp_path, tmp_path / "cache")
