"""Export and offline verification: a clean bundle verifies, every kind of tampering is detected with
its documented exit code, the same inputs give the same bytes, and chains link bundles."""

from __future__ import annotations

import ast
import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from lakeward.evidence import verifier
from lakeward.evidence.bundle import ExportResult, export_bundle
from lakeward.evidence.keys import KeyPair, keygen
from lakeward.evidence.verifier import verify_bundle
from policies import contract
from stacks.names import WORKSPACE, stack_id
from tests.evidence.conftest import options, source_date
from tests.footprint import Synthesized

REPO = Path(__file__).resolve().parents[2]
STANDALONE = REPO / "scripts" / "verify_evidence.py"


def files_of(bundle: Path) -> dict[str, bytes]:
    return {
        p.relative_to(bundle).as_posix(): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()
    }


def flip(path: Path) -> None:
    """Flip one bit of the byte in the middle of the file."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def copy(full_bundle: ExportResult, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(full_bundle.bundle, target)
    return target


def test_full_bundle_layout_and_verifies(full_bundle: ExportResult, signing_key: KeyPair) -> None:
    bundle = full_bundle.bundle
    names = set(files_of(bundle))
    assert {
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "tagmanifest-sha256.txt",
        "signature.dsse.json",
    } <= names
    assert {
        "data/index.json",
        "data/controls.json",
        "data/report.html",
        "data/access/access-matrix.csv",
    } <= names
    result = verify_bundle(bundle, signing_key.public.read_bytes())
    assert result.ok, result.problems
    assert result.exit_code == 0 and result.digest == full_bundle.digest == verifier.bundle_digest(bundle)
    envelope = json.loads((bundle / "signature.dsse.json").read_bytes())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["subject"] == [
        {"name": "tagmanifest-sha256.txt", "digest": {"sha256": result.digest[7:]}}
    ]
    assert envelope["signatures"][0]["keyid"] == signing_key.fingerprint.removeprefix("SHA256:")
    # Every JSON file Lakeward wrote is canonical.
    for name, content in files_of(bundle).items():
        if name.endswith(".json"):
            assert content == verifier.canonical_json(json.loads(content)), name
    index = json.loads((bundle / "data" / "index.json").read_bytes())
    assert all(
        item["collected_at"] and item["expires_at"]
        for item in index["items"]
        if item["status"] != "not evaluated"
    )
    assert sum(full_bundle.controls.values()) == len(
        json.loads((bundle / "data" / "controls.json").read_bytes())
    )


TAMPER_TARGETS = [
    "bagit.txt",
    "bag-info.txt",
    "manifest-sha256.txt",
    "tagmanifest-sha256.txt",
    "data/index.json",
    "data/controls.json",
    "data/report.html",
    "data/access/access-matrix.csv",
    "data/results/pytest.xml",
    f"data/{contract.stack_file(stack_id('dev', WORKSPACE))}",
    "data/mlflow/models.json",
]


@pytest.mark.parametrize("target", TAMPER_TARGETS)
def test_flipped_byte_in_each_kind_of_file_is_detected(copy: Path, signing_key: KeyPair, target: str) -> None:
    flip(copy / target)
    result = verify_bundle(copy, signing_key.public.read_bytes())
    assert result.exit_code == verifier.EXIT_TAMPERED, result.problems
    assert not result.ok


def test_flipped_byte_in_the_envelope_is_a_bad_signature(copy: Path, signing_key: KeyPair) -> None:
    flip(copy / "signature.dsse.json")
    assert verify_bundle(copy, signing_key.public.read_bytes()).exit_code == verifier.EXIT_SIGNATURE


def test_deleted_and_added_files_are_detected(copy: Path, signing_key: KeyPair) -> None:
    (copy / "data" / "lineage" / "graph.json").unlink()
    result = verify_bundle(copy, signing_key.public.read_bytes())
    assert result.exit_code == verifier.EXIT_TAMPERED
    assert any("removed: data/lineage/graph.json" in m for _, m in result.problems)
    (copy / "data" / "lineage" / "graph.json").write_bytes(b"{}")
    (copy / "data" / "extra.json").write_bytes(b"{}")
    (copy / "notes.txt").write_text("added later")
    problems = [m for _, m in verify_bundle(copy, signing_key.public.read_bytes()).problems]
    assert "added: data/extra.json" in problems and "added: notes.txt" in problems
    assert "changed: data/lineage/graph.json" in problems


def test_a_consistent_rewrite_without_the_key_fails_the_signature(copy: Path, signing_key: KeyPair) -> None:
    """Change a file and rewrite both manifests so every hash matches: only the signature catches it."""
    import hashlib

    (copy / "data" / "controls.json").write_bytes(b"[]")
    hashes = {
        p: hashlib.sha256((copy / p).read_bytes()).hexdigest()
        for p in files_of(copy)
        if p.startswith("data/")
    }
    (copy / "manifest-sha256.txt").write_text(verifier.manifest_text(hashes))
    tags = {p: hashlib.sha256((copy / p).read_bytes()).hexdigest() for p in verifier.TAG_FILES}
    (copy / "tagmanifest-sha256.txt").write_text(verifier.manifest_text(tags))
    result = verify_bundle(copy, signing_key.public.read_bytes())
    assert result.exit_code == verifier.EXIT_TAMPERED
    assert [m for _, m in result.problems] == [
        "tagmanifest-sha256.txt differs from the signed statement's subject"
    ]


def test_replaced_signature_and_wrong_key_are_detected(
    copy: Path, signing_key: KeyPair, tmp_path: Path
) -> None:
    other = keygen(tmp_path / "other")
    assert verify_bundle(copy, other.public.read_bytes()).exit_code == verifier.EXIT_SIGNATURE
    envelope = json.loads((copy / "signature.dsse.json").read_bytes())
    from lakeward.evidence.keys import load_private_key

    forged = load_private_key(other.private).sign(
        verifier.pae(envelope["payloadType"], base64.b64decode(envelope["payload"]))
    )
    envelope["signatures"] = [{"keyid": "forged", "sig": base64.b64encode(forged).decode()}]
    (copy / "signature.dsse.json").write_bytes(verifier.canonical_json(envelope))
    result = verify_bundle(copy, signing_key.public.read_bytes())
    assert result.exit_code == verifier.EXIT_SIGNATURE
    assert verify_bundle(
        copy, other.public.read_bytes()
    ).ok  # the forger's own key accepts it; the auditor's does not


def test_same_commit_exported_twice_gives_identical_bytes(
    tmp_path: Path,
    signing_key: KeyPair,
    dev: Synthesized,
    sources: dict[str, Path],
    mlflow_uri: str,
    full_bundle: ExportResult,
) -> None:
    with source_date():
        again = export_bundle(options(tmp_path / "again", signing_key, dev, sources, mlflow_uri))
    assert again.digest == full_bundle.digest
    assert files_of(again.bundle) == files_of(full_bundle.bundle)


def test_chain_links_and_detects_a_broken_link(
    tmp_path: Path,
    signing_key: KeyPair,
    dev: Synthesized,
    sources: dict[str, Path],
    full_bundle: ExportResult,
) -> None:
    with source_date(verifier_epoch := 1795766400):
        second = export_bundle(
            options(tmp_path / "b2", signing_key, dev, sources, None, previous=full_bundle.bundle)
        )
    assert verifier_epoch and second.sequence == 2
    pem = signing_key.public.read_bytes()
    linked = verify_bundle(second.bundle, pem, previous=full_bundle.bundle)
    assert linked.ok and linked.chain == f"linked to {full_bundle.digest}"
    assert "not checked" in verify_bundle(second.bundle, pem).chain
    # A different first bundle (same key, same content, another time) breaks the link.
    with source_date(1795680001):
        impostor = export_bundle(options(tmp_path / "impostor", signing_key, dev, sources, None))
    broken = verify_bundle(second.bundle, pem, previous=impostor.bundle)
    assert broken.exit_code == verifier.EXIT_CHAIN
    # A tampered previous bundle breaks it too, and the first bundle of a chain has no predecessor.
    tampered = tmp_path / "tampered"
    shutil.copytree(full_bundle.bundle, tampered)
    flip(tampered / "data" / "index.json")
    assert verify_bundle(second.bundle, pem, previous=tampered).exit_code == verifier.EXIT_CHAIN
    assert verify_bundle(full_bundle.bundle, pem, previous=second.bundle).exit_code == verifier.EXIT_CHAIN


def test_export_refuses_bad_input_and_writes_nothing(
    tmp_path: Path,
    signing_key: KeyPair,
    dev: Synthesized,
    sources: dict[str, Path],
    full_bundle: ExportResult,
) -> None:
    with pytest.raises(LakewardError) as error:
        export_bundle(options(full_bundle.bundle, signing_key, dev, sources, None))
    assert error.value.field == "--out"
    loose = tmp_path / "loose.key"
    loose.write_bytes(signing_key.private.read_bytes())
    loose.chmod(0o644)
    with pytest.raises(LakewardError, match="readable by others") as error:
        export_bundle(options(tmp_path / "x", signing_key, dev, sources, None, key=loose))
    assert error.value.fix == f"chmod 600 {loose}"
    bad = tmp_path / "results"
    bad.mkdir()
    (bad / "broken.xml").write_text("<testsuite><testcase")
    with pytest.raises(LakewardError, match="not JUnit XML"):
        export_bundle(options(tmp_path / "y", signing_key, dev, sources, None, results=bad))
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    tampered = tmp_path / "tampered"
    shutil.copytree(full_bundle.bundle, tampered)
    flip(tampered / "data" / "report.html")
    with pytest.raises(LakewardError, match="previous bundle does not verify") as error:
        export_bundle(options(tmp_path / "z", signing_key, dev, sources, None, previous=tampered))
    assert error.value.exit_code == verifier.EXIT_CHAIN


def test_keygen_protects_the_private_key(tmp_path: Path) -> None:
    pair = keygen(tmp_path)
    assert pair.private.stat().st_mode & 0o777 == 0o600
    assert (
        "pub" in pair.public.name and pair.fingerprint.startswith("SHA256:") and len(pair.fingerprint) == 71
    )
    with pytest.raises(LakewardError, match="refusing to overwrite"):
        keygen(tmp_path)


def test_standalone_verifier_needs_only_stdlib_and_cryptography(
    full_bundle: ExportResult, signing_key: KeyPair, tmp_path: Path, copy: Path
) -> None:
    tree = ast.parse(STANDALONE.read_text())
    roots = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert roots - set(sys.stdlib_module_names) == {"cryptography"}
    auditor = tmp_path / "auditor" / "verify_evidence.py"
    auditor.parent.mkdir()
    shutil.copy(STANDALONE, auditor)  # the auditor's own copy, away from the repository

    def run(bundle: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-I", str(auditor), str(bundle), "--pubkey", str(signing_key.public), *extra],
            capture_output=True,
            text=True,
            cwd=auditor.parent,
            timeout=60,
        )

    ok = run(full_bundle.bundle, "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["digest"] == full_bundle.digest
    flip(copy / "data" / "index.json")
    tampered = run(copy)
    assert tampered.returncode == 3 and "changed: data/index.json" in tampered.stdout
    assert run(tmp_path / "missing").returncode == 2


def test_canonical_json_follows_rfc8785_numbers_and_ordering() -> None:
    cases = {
        1.0: "1",
        0.5: "0.5",
        1e21: "1e+21",
        1e-7: "1e-7",
        123456789012345680000.0: "123456789012345680000",
        -0.000001: "-0.000001",
        4.5e-5: "0.000045",
        1.5e300: "1.5e+300",
        0.1 + 0.2: "0.30000000000000004",
    }
    for value, text in cases.items():
        assert verifier.canonical_json(value) == text.encode()
    # Keys sort by UTF-16 code units: U+1F600 (a surrogate pair, 0xD83D...) sorts before U+FF61.
    value = {"b": [1, "é"], "a": None, "\uff61": 2, "\u20ac": True, "\U0001f600": 1}
    assert (
        verifier.canonical_json(value)
        == '{"a":null,"b":[1,"é"],"\u20ac":true,"\U0001f600":1,"\uff61":2}'.encode()
    )
    with pytest.raises(ValueError):
        verifier.canonical_json(float("nan"))


def test_pae_matches_the_dsse_specification() -> None:
    assert verifier.pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
