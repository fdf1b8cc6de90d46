"""`lakeward evidence export --drift`: the newest drift report of the environment goes into the bundle,
the signed statement names its digest, the offline verifier checks it, and its verdict reaches the
controls that rely on it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from lakeward.drift.commands import drift
from lakeward.errors import LakewardError
from lakeward.evidence.bundle import ExportResult, export_bundle
from lakeward.evidence.keys import KeyPair
from lakeward.evidence.verifier import DRIFT_FILE, EXIT_TAMPERED, verify_bundle
from tests.drift.conftest import ACCOUNT_ID, serving
from tests.drift.deployed import deployed
from tests.evidence.conftest import options, source_date
from tests.fakes.databricks_api import FakeAccount
from tests.footprint import Synthesized

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, dev: Synthesized) -> Path:
    """A folder of drift reports: today's of dev (one console edit), an older one of dev, one of prod."""
    fake = FakeAccount(ACCOUNT_ID, workspace=deployed(dev.out))
    fake.workspace.workspace_conf["enableVerboseAuditLogs"] = "false"
    folder = tmp_path_factory.mktemp("drift")
    with serving(fake) as environ:
        drift("dev", dev.out, folder / "today.json", environ, timeout=5)
    latest = json.loads((folder / "today.json").read_text())
    older = {**latest, "generated_at": "2026-01-01T00:00:00Z", "drift": [], "exit_code": 0}
    (folder / "older.json").write_text(json.dumps(older))
    (folder / "prod.json").write_text(json.dumps({**latest, "environment": "prod"}))
    return folder


@pytest.fixture(scope="module")
def bundle(
    tmp_path_factory: pytest.TempPathFactory,
    reports: Path,
    signing_key: KeyPair,
    dev: Synthesized,
    sources: dict[str, Path],
) -> ExportResult:
    out = tmp_path_factory.mktemp("bundle") / "b"
    with source_date(None):
        return export_bundle(options(out, signing_key, dev, sources, None, drift=reports))


def index_item(bundle: Path, item_id: str) -> dict[str, Any]:
    index = json.loads((bundle / "data" / "index.json").read_bytes())
    return next(item for item in index["items"] if item["id"] == item_id)


def test_the_newest_report_is_signed_and_verified(
    bundle: ExportResult, reports: Path, signing_key: KeyPair
) -> None:
    included = json.loads((bundle.bundle / DRIFT_FILE).read_bytes())
    assert included == json.loads((reports / "today.json").read_text())
    item = index_item(bundle.bundle, "drift")
    assert item["status"] == "fail" and item["summary"]["drift"] == {"changed": 1}
    checked = verify_bundle(bundle.bundle, signing_key.public.read_bytes())
    assert checked.ok, checked.problems
    assert checked.statement["predicate"]["drift_sha256"]
    assert checked.drift.startswith("exit 1, 1 difference(s) at http://127.0.0.1:")
    controls = {c["id"]: c for c in json.loads((bundle.bundle / "data" / "controls.json").read_bytes())}
    support = next(s for s in controls["SOC2:CC7.1"]["supports"] if s["ref"] == "drift")
    assert support["status"] == "fail"


def test_a_changed_or_removed_drift_report_fails_verification(
    bundle: ExportResult, signing_key: KeyPair, tmp_path: Path
) -> None:
    for damage in ("change", "remove"):
        copy = tmp_path / damage
        shutil.copytree(bundle.bundle, copy)
        report = copy / DRIFT_FILE
        if damage == "change":
            report.write_bytes(report.read_bytes().replace(b'"exit_code":1', b'"exit_code":0'))
        else:
            report.unlink()
        checked = verify_bundle(copy, signing_key.public.read_bytes())
        assert checked.exit_code == EXIT_TAMPERED
        assert any(DRIFT_FILE in message for _, message in checked.problems), checked.problems


def test_a_file_that_is_not_a_drift_report_is_refused(
    tmp_path: Path, signing_key: KeyPair, dev: Synthesized, sources: dict[str, Path]
) -> None:
    wrong = tmp_path / "scan.json"
    wrong.write_text(json.dumps({"findings": [], "checks": []}))
    with pytest.raises(LakewardError) as refused:
        export_bundle(options(tmp_path / "b", signing_key, dev, sources, None, drift=wrong))
    assert refused.value.field == "--drift" and not (tmp_path / "b").exists()
