"""The repository and the synthesized JSON hold no secrets, and a planted one is caught."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from policies import contract
from policies.secret_scan import find_secrets, repository_files
from stacks.names import WORKSPACE, parse_stack_id
from tests.footprint import Synthesized

REPO = Path(__file__).resolve().parents[2]


def stack_files(synthesized: dict[str, Synthesized]) -> list[Path]:
    return [path for synth in synthesized.values() for path in contract.stack_paths(synth.out).values()]


def test_repository_and_synthesized_json_hold_no_secrets(synthesized: dict[str, Synthesized]) -> None:
    files = repository_files(REPO) + stack_files(synthesized)
    assert any(contract.is_stack_file(path) for path in files) and any(path.suffix == ".py" for path in files)
    assert find_secrets(files) == []


def test_planted_secrets_are_caught(synthesized: dict[str, Synthesized], tmp_path: Path) -> None:
    source = next(
        p for p in stack_files(synthesized) if parse_stack_id(contract.stack_name(p)).kind == WORKSPACE
    )
    planted = tmp_path / contract.STACK_FILE
    document = contract.read_document(source)
    key_id = "AKIA" + "QZ7R" * 4  # assembled at run time so this file itself stays clean
    document["resource"]["databricks_secret"] = {
        "planted": {"key": "aws", "string_value": key_id, "scope": "s"}
    }
    planted.write_text(json.dumps(document, indent=2))
    clean = tmp_path / "settings.py"
    shutil.copy(REPO / "policies" / "base.py", clean)
    leaky = tmp_path / "leaky.py"
    leaky.write_text("pass" + "word = " + repr("Tr0ub4dor&3-horse-battery") + "\n")

    found = find_secrets([planted, clean, leaky])
    assert {(Path(f.file).name, f.kind) for f in found} == {
        (contract.STACK_FILE, "AWS Access Key"),
        ("leaky.py", "Secret Keyword"),
    }
