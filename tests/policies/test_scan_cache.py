"""Incremental scan: only changed stack files go through checkov, and the report is the one a cold scan
writes; a changed waiver re-judges stored results, a changed check rescans everything."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from lakeward import fingerprint
from lakeward.cache import Cache
from policies import contract, scan, scan_cache
from policies.scan import run_scan
from policies.waivers import WAIVERS_FILE
from stacks.names import tenant_stack_id
from tests.cli import REPO
from tests.footprint import Synthesized

TENANT = tenant_stack_id("dev", "claims_analytics")


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The stacks each checkov run is given."""
    runs: list[list[str]] = []
    original = scan.run_checkov

    def spy(files: dict[str, Path], **kwargs: Any) -> Any:
        runs.append(sorted(files))
        return original(files, **kwargs)

    monkeypatch.setattr(scan, "run_checkov", spy)
    return runs


@pytest.fixture
def stacks(dev: Synthesized, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of dev's synth output, and a cache of this test's own."""
    monkeypatch.setenv("LAKEWARD_CACHE", str(tmp_path / "cache"))
    shutil.copytree(dev.out, tmp_path / "stacks-out")
    return tmp_path / "stacks-out"


def report(folder: Path, use_cache: bool = True, waivers: Path = WAIVERS_FILE) -> dict[str, Any]:
    data = run_scan(input_dir=folder, use_cache=use_cache, waivers_file=waivers).as_dict()
    data.pop("seconds")
    return data


def test_only_changed_stacks_are_scanned_and_reports_match_a_cold_scan(
    stacks: Path, scanned: list[list[str]]
) -> None:
    report(stacks)
    cold = report(stacks, use_cache=False)
    warm = report(stacks)
    assert warm == cold and len(scanned) == 2 and len(scanned[0]) == len(contract.stack_paths(stacks))
    path = contract.stack_path(stacks, TENANT)
    document = contract.read_document(path)
    catalog = next(iter(document["resource"]["databricks_catalog"].values()))
    catalog["comment"] = "changed"
    path.write_text(json.dumps(document, indent=2))
    changed = report(stacks)
    assert scanned[2:] == [[TENANT]]
    assert changed == report(stacks, use_cache=False)


def test_a_changed_waiver_rejudges_without_checkov(
    stacks: Path, scanned: list[list[str]], tmp_path: Path
) -> None:
    before = report(stacks)
    waived = [f for f in before["findings"] if f["status"] == "waived"]
    assert waived, "the shipped waivers accept some finding of dev"
    empty = tmp_path / "waivers.yaml"
    empty.write_text("waivers: []\n")
    after = report(stacks, waivers=empty)
    assert len(scanned) == 1  # the first scan only
    statuses = {(f["stack"], f["resource"], f["check_id"]): f["status"] for f in after["findings"]}
    assert {statuses[(f["stack"], f["resource"], f["check_id"])] for f in waived} == {"failed"}
    assert len(after["findings"]) == len(before["findings"])


@pytest.mark.parametrize("damage", ["not json", "digest"])
def test_a_corrupted_entry_is_rescanned(stacks: Path, scanned: list[list[str]], damage: str) -> None:
    cold = report(stacks)
    results = scan_cache.ResultCache()
    entry = Cache(scan_cache.CACHE_KIND)._path(str(results.key(TENANT, contract.stack_path(stacks, TENANT))))
    header, body = entry.read_text().split("\n", 1)
    if damage == "not json":
        entry.write_text(header[:-3])
    else:
        entry.write_text(f"{header}\n{json.dumps(json.loads(body)[1:])}")
    assert report(stacks) == cold and scanned[1:] == [[TENANT]]


def test_a_changed_check_invalidates_every_stack_and_a_waiver_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "src"
    for top in fingerprint.FIRST_PARTY:
        shutil.copytree(REPO / top, root / top, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(
        fingerprint, "_package_dir", lambda top: root / top if top in fingerprint.FIRST_PARTY else None
    )
    monkeypatch.setattr(scan_cache, "POLICIES_DIR", root / "policies")
    monkeypatch.setattr(scan_cache, "CHECKS_DIR", root / "policies" / "checks")
    first = scan_cache.scanner_digest()
    for unrelated in (root / "policies" / "waivers.yaml", root / "infra" / "aws" / "network.py"):
        unrelated.write_text(unrelated.read_text() + "\n# changed\n")
    assert scan_cache.scanner_digest() == first
    check = root / "policies" / "checks" / "grants.py"
    check.write_text(check.read_text() + "\n# changed\n")
    assert scan_cache.scanner_digest() != first
