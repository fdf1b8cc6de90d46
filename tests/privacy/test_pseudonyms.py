"""Pseudonyms: one token per value and type across documents, another key gives other tokens, and no
key is refused."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pytest

from lakeward.errors import LakewardError
from tests.cli import run_cli
from workloads.config import PiiConfig
from workloads.pii import scrub_batch
from workloads.privacy.tokens import KEY_ENV, canonical

BATCH = pa.RecordBatch.from_pydict(
    {
        "doc_id": ["a", "b"],
        "title": ["Ticket", "Payroll"],
        "text": [
            "Customer Amara Okafor (amara.okafor@example.org) called from +44 20 7946 0958.",
            "Payroll for Amara Okafor: reach her at +442079460958 or amara.okafor@example.org.",
        ],
    }
)
PSEUDONYMIZE = PiiConfig(mode="pseudonymize", processes=1)


def tokens(batch: pa.RecordBatch, kind: str) -> list[set[str]]:
    return [set(re.findall(rf"\[{kind}:[0-9a-f]{{12}}\]", t)) for t in batch.column("text").to_pylist()]


def test_same_value_same_token_across_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "first-key-0123456789")
    out = scrub_batch(BATCH, PSEUDONYMIZE)
    for kind in ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"):
        first, second = tokens(out, kind)
        assert len(first) == 1 and first == second, kind
    assert "Amara" not in " ".join(out.column("text").to_pylist())
    assert json.loads(out.column("pii_counts")[1].as_py()) == {
        "EMAIL_ADDRESS": 1,
        "PERSON": 1,
        "PHONE_NUMBER": 1,
    }
    monkeypatch.setenv(KEY_ENV, "second-key-9876543210")
    other = scrub_batch(BATCH, PSEUDONYMIZE)
    assert tokens(other, "PERSON")[0].isdisjoint(tokens(out, "PERSON")[0])
    assert tokens(other, "PERSON")[0] == tokens(other, "PERSON")[1]


def test_canonical_forms() -> None:
    assert canonical("PHONE_NUMBER", "+44 20 7946 0958") == canonical("PHONE_NUMBER", "+442079460958")
    assert canonical("IBAN_CODE", "gb82 west 1234 5698 7654 32") == "GB82WEST12345698765432"
    assert canonical("IP_ADDRESS", "2001:0db8:0000:0000:0000:0000:0000:0001") == "2001:db8::1"
    assert canonical("PERSON", "Amara  OKAFOR") == "amara okafor"


def test_pseudonymize_without_a_key_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv("LAKEWARD_PII_KEY_SECRET", raising=False)
    with pytest.raises(LakewardError, match="needs a secret key"):
        scrub_batch(BATCH, PSEUDONYMIZE)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.md").write_text("# A\n\nCall Amara Okafor.")
    from lakeward.cli import main

    monkeypatch.setattr(
        "sys.argv",
        [
            "lakeward",
            "pipeline",
            "run",
            "--corpus",
            str(tmp_path / "c"),
            "--lakehouse",
            str(tmp_path / "lh"),
            "--pii-mode",
            "pseudonymize",
        ],
    )
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    assert not (tmp_path / "lh").exists() or not any((tmp_path / "lh").rglob("*.parquet"))


def test_unknown_mode_is_a_clear_error(tmp_path) -> None:
    result = run_cli("pipeline", "run", "--corpus", tmp_path, "--lakehouse", tmp_path, "--pii-mode", "hash")
    assert result.exit_code == 2 and "--pii-mode" in result.stderr and "fix:" in result.stderr
