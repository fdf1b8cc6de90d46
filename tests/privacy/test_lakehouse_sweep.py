"""No raw value anywhere in the lakehouse: every Delta table, index file, lineage event and log of a
pipeline run over the hand-written labelled documents, masked and pseudonymized."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.pii_handwritten import labelled_documents
from workloads import pipeline
from workloads.config import PiiConfig, PipelineConfig
from workloads.privacy.tokens import KEY_ENV

# The known misses on this set (a name in airline notation, a phone number phonenumbers calls
# invalid, an account number far from its label); the sweep allows no other.
ALLOWED_MISSES = 3


def lakehouse_text(lakehouse: Path) -> str:
    """Every string in every file: parquet cells decoded, everything else read as text."""
    parts = []
    for path in sorted(p for p in lakehouse.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            parts += [str(v) for c in table.columns if pa.types.is_string(c.type) for v in c.to_pylist()]
        else:
            parts.append(path.read_bytes().decode("utf-8", "ignore"))
    return "\n".join(parts)


def leaked(haystack: str, entities: list[dict]) -> list[str]:
    """Values found as they are, in lower case, or (names, for the lower-cased BM25 vocabulary) as
    lower-case words that all occur."""
    lowered = haystack.lower()
    found = []
    for entity in entities:
        value = entity["value"]
        words = re.findall(r"\w{4,}", value.lower()) if entity["type"] == "PERSON" else []
        if value.lower() in lowered or (words and all(re.search(rf"\b{w}\b", lowered) for w in words)):
            found.append(value)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["mask", "pseudonymize"])
def test_no_raw_value_in_any_table_index_file_or_log(
    mode: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sweep-key-0123456789abcdef")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = labelled_documents()
    for record in records:
        (corpus / f"{record['id']}.txt").write_text(f"{record['kind_of_doc']}\n\n{record['text']}")
    entities = [e for r in records for e in r["entities"]]
    caplog.set_level(logging.DEBUG)
    config = PipelineConfig(pii=PiiConfig(mode=mode, processes=1))
    result = pipeline.run_pipeline(corpus, tmp_path / "lh", config)
    assert result.documents == len(records) and result.pii_masked >= len(entities) - ALLOWED_MISSES
    stored = lakehouse_text(tmp_path / "lh") + caplog.text + "".join(capsys.readouterr())
    raw = leaked(stored, entities)
    assert len(raw) <= ALLOWED_MISSES, raw
    assert ("[PERSON]" if mode == "mask" else "[PERSON:") in stored
    assert "sweep-key" not in stored
