"""`lakeward evidence diff` between two real bundles, and the CLI's outputs and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from lakeward.evidence.bundle import ExportResult, export_bundle
from lakeward.evidence.diff import diff_bundles
from lakeward.evidence.keys import KeyPair, keygen
from policies import contract
from stacks.names import WORKSPACE, stack_id
from tests.cli import run_cli
from tests.evidence import sources as src
from tests.evidence.conftest import options, source_date
from tests.footprint import Synthesized

REPO = Path(__file__).resolve().parents[2]

MOVE_ALIASES = """
import sys
import mlflow
from mlflow import MlflowClient
uri = sys.argv[1]
mlflow.set_tracking_uri(uri)
mlflow.set_registry_uri(uri)
client = MlflowClient(uri, uri)
first = client.get_model_version("rag_answerer", "1")
second = client.create_model_version("rag_answerer", first.source, run_id=first.run_id)
client.set_registered_model_alias("rag_answerer", "champion", second.version)
template = "Answer {{question}} citing {{context}}."
prompt = mlflow.genai.register_prompt(name="answer_prompt", template=template)
mlflow.genai.set_prompt_alias("answer_prompt", "production", prompt.version)
"""


def test_diff_reports_findings_grants_tenants_waivers_and_aliases(
    tmp_path: Path,
    full_bundle: ExportResult,
    signing_key: KeyPair,
    dev: Synthesized,
    sources: dict[str, Path],
    mlflow_uri: str,
) -> None:
    # The next period: a new grant, a tenant added and one changed, a waiver expired, a finding fixed,
    # and the champion model and production prompt moved to new versions.
    stacks = tmp_path / "stacks"
    shutil.copytree(dev.out, stacks)
    workspace = contract.stack_path(stacks, stack_id("dev", WORKSPACE))
    document = contract.read_document(workspace)
    catalog_grants = next(
        g for n, g in document["resource"]["databricks_grants"].items() if "catalog-grants" in n
    )
    catalog_grants["grant"].append({"principal": "auditors", "privileges": ["BROWSE"]})
    workspace.write_text(json.dumps(document))
    later = src.write_sources(tmp_path / "later", expired_waiver=True)
    report = json.loads((later["results"] / "results.json").read_text())
    for finding in report["findings"]:
        if finding["check_id"] == "LKW_DBX_057":
            finding["status"] = "passed"
    (later["results"] / "results.json").write_text(json.dumps(report))
    shutil.copy(src.REPO_TENANTS / "support_insights.yaml", later["tenants"])
    claims = later["tenants"] / "claims_analytics.yaml"
    claims.write_text(claims.read_text().replace("display_name: Claims Analytics", "display_name: Claims"))
    store = tmp_path / "mlflow"
    store.mkdir()
    shutil.copy(mlflow_uri.removeprefix("sqlite:///"), store / "mlflow.db")
    moved = f"sqlite:///{store / 'mlflow.db'}"
    subprocess.run([sys.executable, "-c", MOVE_ALIASES, moved], check=True, timeout=300, capture_output=True)
    with source_date(src.EPOCH + 86400):
        second = export_bundle(
            options(
                tmp_path / "b2", signing_key, dev, later, moved, stacks=stacks, previous=full_bundle.bundle
            )
        )
    pem = signing_key.public.read_bytes()
    diff = diff_bundles(full_bundle.bundle, second.bundle, pem)
    assert diff["grants"]["added"] == {"auditors BROWSE catalog:llm_dev": "granted"}
    assert diff["grants"]["removed"] == {}
    assert list(diff["tenants"]["added"]) == ["support_insights"]
    assert list(diff["tenants"]["changed"]) == ["claims_analytics"]
    assert diff["waivers"]["changed"] == {
        "LKW_DBX_057 databricks_vector_search_endpoint.* (FIN-12)": [
            "expiring until 2026-12-15",
            "expired until 2026-10-01",
        ]
    }
    changed = diff["findings"]["changed"]
    assert changed[f"LKW_DBX_057 {stack_id('dev', WORKSPACE)}/databricks_grants.lkw_dbx_057"] == [
        "failed",
        "passed",
    ]
    assert diff["model_aliases"]["changed"] == {"rag_answerer@champion": ["v1", "v2"]}
    assert diff["prompt_aliases"]["changed"] == {"answer_prompt@production": ["v1", "v2"]}
    assert diff_bundles(full_bundle.bundle, full_bundle.bundle, pem)["grants"] == {
        "added": {},
        "removed": {},
        "changed": {},
    }
    cli = run_cli(
        "evidence",
        "diff",
        str(full_bundle.bundle),
        str(second.bundle),
        "--pubkey",
        str(signing_key.public),
        "--json",
    )
    assert cli.exit_code == 0 and json.loads(cli.stdout) == diff


def test_cli_keygen_export_verify_and_exit_codes(
    tmp_path: Path, dev: Synthesized, sources: dict[str, Path]
) -> None:
    keygen = run_cli("evidence", "keygen", "--out", str(tmp_path / "keys"))
    assert keygen.exit_code == 0 and keygen.stdout.strip().splitlines()[-1].startswith("SHA256:")
    key, pub = tmp_path / "keys" / "lakeward-evidence.key", tmp_path / "keys" / "lakeward-evidence.pub.pem"
    bundle = tmp_path / "bundle"
    export = run_cli(
        "evidence",
        "export",
        "--env",
        "dev",
        "--stacks",
        str(dev.out),
        "--key",
        str(key),
        "--out",
        str(bundle),
        "--results",
        str(sources["results"]),
        "--waivers",
        str(sources["waivers"]),
        "--json",
        env={"SOURCE_DATE_EPOCH": str(src.EPOCH)},
    )
    assert export.exit_code == 0, export.stderr
    summary = json.loads(export.stdout)
    assert set(summary) >= {"bundle", "digest", "controls"} and summary["digest"].startswith("sha256:")
    assert set(summary["controls"]) == {"pass", "fail", "waived", "manual", "not evaluated", "stale"}
    verify = run_cli("evidence", "verify", str(bundle), "--pubkey", str(pub), "--json")
    assert verify.exit_code == 0 and json.loads(verify.stdout)["digest"] == summary["digest"]
    (bundle / "data" / "controls.json").write_text("[]")
    assert run_cli("evidence", "verify", str(bundle), "--pubkey", str(pub)).exit_code == 3
    assert run_cli("evidence", "verify", str(bundle), "--pubkey", str(key)).exit_code == 2  # a private key
    missing = run_cli("evidence", "verify", str(tmp_path / "nothing"), "--pubkey", str(pub))
    assert missing.exit_code == 2
    no_key = run_cli(
        "evidence",
        "export",
        "--stacks",
        str(dev.out),
        "--out",
        str(tmp_path / "b2"),
        env={"LAKEWARD_EVIDENCE_KEY": ""},
    )
    assert no_key.exit_code == 2 and "--key" in no_key.stderr and not (tmp_path / "b2").exists()


def _tamper_matrix(bundle: Path) -> None:
    matrix_file = bundle / "data" / "access" / "access-matrix.json"
    matrix = json.loads(matrix_file.read_text())
    matrix["rows"].append(
        {
            "principal": "attacker-group",
            "privilege": "ALL_PRIVILEGES",
            "securable_type": "catalog",
            "securable": "x",
        }
    )
    matrix_file.write_text(json.dumps(matrix))


TAMPERS = {
    "access matrix edited": (_tamper_matrix, 3),
    "file truncated to junk": (lambda b: (b / "data" / "controls.json").write_text("{not json"), 3),
    "manifest removed": (lambda b: next(b.glob("manifest-*.txt")).unlink(), 3),
    "signature replaced": (lambda b: (b / "signature.dsse.json").write_text("{}"), 4),
    "not a bundle": (lambda b: [p.unlink() for p in b.iterdir() if p.is_file()], 2),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_diff_refuses_a_bundle_that_does_not_verify(
    full_bundle: ExportResult, signing_key: KeyPair, tmp_path: Path, tamper: str
) -> None:
    change, code = TAMPERS[tamper]
    tampered = tmp_path / "tampered"
    shutil.copytree(full_bundle.bundle, tampered)
    change(tampered)
    pem = signing_key.public.read_bytes()
    for a, b in ((full_bundle.bundle, tampered), (tampered, full_bundle.bundle)):
        with pytest.raises(LakewardError) as caught:
            diff_bundles(a, b, pem)
        assert caught.value.exit_code == code and "does not verify" in caught.value.message
    cli = run_cli(
        "evidence", "diff", str(full_bundle.bundle), str(tampered), "--pubkey", str(signing_key.public)
    )
    assert cli.exit_code == code and "attacker-group" not in cli.stdout + cli.stderr
    assert "Traceback" not in cli.stderr


def test_diff_refuses_bundles_signed_by_another_key(full_bundle: ExportResult, tmp_path: Path) -> None:
    other = keygen(tmp_path / "other")
    with pytest.raises(LakewardError) as caught:
        diff_bundles(full_bundle.bundle, full_bundle.bundle, other.public.read_bytes())
    assert caught.value.exit_code == 4
