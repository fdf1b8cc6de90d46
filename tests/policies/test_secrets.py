"""The repository and the synthesized JSON hold no secrets, and a planted one is caught."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from policies.secret_scan import find_secrets, repository_files
from tests.footprint import Synthesized

REPO = Path(__file__).resolve().parents[2]


def stack_files(synthesized: dict[str, Synthesized]) -> list[Path]:
    return [path for synth in synthesized.values() for path in sorted(synth.out.glob("stacks/*/cdk.tf.json"))]


def test_repository_and_synthesized_json_hold_no_secrets(synthesized: dict[str, Synthesized]) -> None:
    files = repository_files(REPO) + stack_files(synthesized)
    assert any(path.name == "cdk.tf.json" for path in files) and any(path.suffix == ".py" for path in files)
    assert find_secrets(files) == []


def test_planted_secrets_are_caught(synthesized: dict[str, Synthesized], tmp_path: Path) -> None:
    source = next(p for p in stack_files(synthesized) if p.parent.name.endswith("-workspace"))
    planted = tmp_path / "cdk.tf.json"
    document = json.loads(source.read_text())
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
        ("cdk.tf.json", "AWS Access Key"),
        ("leaky.py", "Secret Keyword"),
    }
