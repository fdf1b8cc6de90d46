"""Every command under a family of bad arguments: a non-zero exit, a message naming the fix, no traceback
(the helper raises any exception a command lets escape), and nothing written where it should not be."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from lakeward.cli import app
from lakeward.errors import LakewardError
from tests.cli import run_cli
from workloads.rag.commands import checked_question


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of the usual wrong things: a file, a folder, a link loop, a dangling link, bad bytes,
    HCL that does not parse."""
    root = tmp_path_factory.mktemp("bad")
    (root / "afile").write_text("not what was asked for\n")
    (root / "folder.yaml").mkdir()
    (root / "notlh").mkdir()
    (root / "broken-tf").mkdir()
    (root / "broken-tf" / "main.tf").write_text('resource "databricks_grants" "x" {\n  catalog =\n')
    (root / "latin.yaml").write_bytes("name: d\xe9v\n".encode("latin-1"))
    (root / "loop.yaml").symlink_to(root / "loop.yaml")
    (root / "dangling").symlink_to(root / "nowhere")
    return root


# (command, arguments with {bad} for the fixture's folder). Several per command where inputs differ.
CASES = [
    ("ask", ["hello", "--lakehouse", "{bad}/afile"]),
    ("ask", ["hello", "--lakehouse", "{bad}/notlh"]),
    ("ask", ["", "--lakehouse", "{bad}/notlh"]),
    ("ask", ["hello", "--lakehouse", "{bad}/dangling"]),
    ("serve", ["--lakehouse", "{bad}/afile"]),
    ("serve", ["--lakehouse", "{bad}/notlh", "--port", "70000"]),
    ("eval", ["--lakehouse", "{bad}/x", "--questions", "{bad}/afile"]),
    ("eval", ["--lakehouse", "{bad}/x"]),
    ("eval", ["--lakehouse", "{bad}/x", "--beir", "{bad}/notlh"]),
    ("release", ["--lakehouse", "{bad}/notlh"]),
    ("release", ["--lakehouse", "{bad}/afile"]),
    ("monitor", ["--lakehouse", "{bad}/notlh", "--log", "{bad}/afile"]),
    ("monitor", ["--lakehouse", "{bad}/notlh", "--recent", "0"]),
    ("synth", ["--env", "../../etc/passwd"]),
    ("synth", ["--env", "dev", "--out", "{bad}/afile"]),
    ("synth", ["--env", "nope"]),
    ("bundle", ["--env", "nope", "--out", "{bad}/bundle"]),
    ("bundle", ["--env", "../prod", "--out", "{bad}/bundle"]),
    ("bundle", ["--env", "dev", "--out", "{bad}/afile"]),
    ("bundle", ["--env", "dev", "--out", "{bad}/dangling"]),
    ("bundle", ["--env", "dev", "--out", "{bad}/afile/inside"]),
    ("synth", ["--env", "dev", "--releases", "{bad}/afile"]),
    ("synth", ["--env", "dev", "--releases", "{bad}/notlh", "--out", "{bad}/afile"]),
    ("scan", ["--env", "dev", "--fail-on", "SEVERE"]),
    ("scan", ["--input", "{bad}/notlh"]),
    ("scan", ["--input", "{bad}/broken-tf"]),
    ("scan", ["--env", "dev", "--waivers", "{bad}/latin.yaml"]),
    ("scan", ["--input", "{bad}/notlh", "--tenants-dir", "{bad}/notlh"]),
    ("scan", ["--env", "dev", "--tenants-dir", "{bad}/afile", "--no-cache"]),
    ("rehearse", ["--env", "../dev"]),
    ("preflight", ["--env", "dev/../prod"]),
    ("bootstrap", ["--env", "../dev"]),
    ("bootstrap", ["--env", "nope", "--dry-run"]),
    ("drift", ["--env", "dev/../prod"]),
    ("drift", ["--env", "dev", "--input", "{bad}/notlh"]),
    ("drift", ["--env", "dev", "--input", "{bad}/afile", "--out", "{bad}/drift.json"]),
    ("drift", ["--env", "dev", "--waivers", "{bad}/latin.yaml"]),
    ("drift", ["--env", "dev", "--timeout", "0"]),
    ("config validate", ["{bad}/folder.yaml"]),
    ("config validate", ["{bad}/latin.yaml"]),
    ("config validate", ["{bad}/loop.yaml"]),
    ("config validate", ["{bad}/dangling"]),
    ("config schema", ["--out", "{bad}/notlh"]),
    ("pipeline run", ["--corpus", "{bad}/afile", "--lakehouse", "{bad}/lh-a"]),
    ("pipeline run", ["--corpus", "{bad}/notlh", "--lakehouse", "{bad}/lh-b", "--limit", "0"]),
    ("pipeline run", ["--corpus", "{bad}/notlh", "--lakehouse", "{bad}/lh-c", "--engine", "dask"]),
    ("pipeline run", ["--corpus", "{bad}/notlh", "--lakehouse", "{bad}/lh-d", "--catalog", "a;b"]),
    ("pipeline run", ["--corpus", "{bad}/notlh", "--lakehouse", "{bad}/lh-e", "--tenant", "../acme"]),
    ("pipeline run", ["--corpus", "{bad}/notlh", "--lakehouse", "{bad}/lh-f", "--classification", "secret"]),
    ("tenant new", ["../escape", "--tenants-dir", "{bad}/t"]),
    ("tenant new", ["fine_name", "--tenants-dir", "{bad}/t", "--env", "dev}\n - {name: prod"]),
    ("tenant validate", ["{bad}/latin.yaml"]),
    ("tenant validate", ["--tenants-dir", "{bad}/afile"]),
    ("tenant plan", ["../x"]),
    ("tenant remove", ["../outside/victim", "--tenants-dir", "{bad}/notlh"]),
    ("tenant schema", ["--out", "{bad}/notlh"]),
    ("evidence keygen", ["--out", "{bad}/dangling"]),
    ("evidence keygen", ["--out", "{bad}/afile"]),
    ("evidence export", ["--env", "dev", "--key", "{bad}/afile", "--out", "{bad}/ev"]),
    ("evidence verify", ["{bad}/notlh", "--pubkey", "{bad}/afile"]),
    ("evidence verify", ["{bad}/notlh", "--pubkey", "{bad}/missing.pem"]),
    ("evidence diff", ["{bad}/notlh", "{bad}/notlh", "--pubkey", "{bad}/afile"]),
    ("evidence publish", ["{bad}/notlh", "--bucket", "Not_A_Bucket"]),
    ("maintain", ["--lakehouse", "{bad}/afile"]),
    ("maintain", ["--lakehouse", "{bad}/notlh"]),
    ("maintain", ["--lakehouse", "{bad}/notlh", "--retain-hours", "1"]),
    ("privacy check", ["{bad}/afile", "--quasi-identifiers", "age", "--k", "2"]),
    ("privacy check", ["{bad}/notlh", "--quasi-identifiers", "age", "--k", "0"]),
    ("privacy check", ["{bad}/latin.yaml", "--quasi-identifiers", "", "--k", "2"]),
    ("ci summary", ["--plans", "{bad}/afile"]),
    ("ci summary", ["--plans", "{bad}/notlh"]),
    ("ci stages", ["--env", "../dev"]),
    ("ci stages", ["--env", "dev", "--releases", "{bad}/afile"]),
    ("shadow", ["--requests", "{bad}/afile", "--lakehouse", "{bad}/notlh"]),
    ("shadow", ["--requests", "{bad}/notlh", "--lakehouse", "{bad}/notlh"]),
    ("shadow", ["--requests", "{bad}/afile", "--lakehouse", "{bad}/notlh", "--max-requests", "0"]),
    ("rollout canary", ["--env", "../dev", "--releases", "{bad}/notlh"]),
    ("rollout canary", ["--env", "dev", "--releases", "{bad}/notlh", "--percent", "100"]),
    ("rollout canary", ["--env", "dev", "--releases", "{bad}/afile", "--lakehouse", "{bad}/notlh"]),
    ("rollout step", ["--env", "dev", "--percent", "0", "--shadow", "{bad}/afile", "--log", "{bad}/afile"]),
    (
        "rollout step",
        ["--env", "dev", "--endpoint", "nope", "--percent", "50", "--shadow", "x", "--log", "y"],
    ),
    ("rollout promote", ["--env", "dev", "--releases", "{bad}/notlh", "--lakehouse", "{bad}/notlh"]),
    ("rollout rollback", ["--env", "dev", "--releases", "{bad}/notlh", "--lakehouse", "{bad}/notlh"]),
    ("rollout rollback", ["--env", "dev", "--releases", "{bad}/dangling"]),
    ("rollout override", ["--env", "dev", "--owner", "x", "--reason", "short", "--expires", "someday"]),
    (
        "rollout override",
        ["--env", "dev", "--owner", "${file}", "--reason", "long enough reason", "--expires", "2026-12-01"],
    ),
    ("rollout kill", ["--env", "dev", "--tenant", "../x", "--releases", "{bad}/notlh"]),
    ("rollout kill", ["--env", "dev", "--tenant", "no_such_tenant", "--releases", "{bad}/notlh"]),
    ("rollout kill", ["--env", "dev", "--off", "--now", "--releases", "{bad}/notlh"]),
    ("rollout kill", ["--env", "dev", "--endpoint", "nope", "--releases", "{bad}/notlh"]),
    ("workers status", ["--all"]),
    ("workers stop", ["now"]),
]


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[str]:
    children = getattr(group, "commands", None)
    if not children:
        return [" ".join(prefix)]
    return [name for key, child in children.items() for name in _commands(child, (*prefix, key))]


def test_every_command_is_in_the_family() -> None:
    assert sorted(_commands(typer.main.get_command(app))) == sorted({command for command, _ in CASES})


@pytest.mark.parametrize(("command", "arguments"), CASES, ids=[f"{c} {' '.join(a)[:40]}" for c, a in CASES])
def test_bad_arguments_get_an_answer(bad: Path, command: str, arguments: list[str]) -> None:
    before = sorted(p.relative_to(bad) for p in bad.rglob("*"))
    result = run_cli(*command.split(), *(a.replace("{bad}", str(bad)) for a in arguments))
    assert result.exit_code not in (0, 1), (result.exit_code, result.stdout[-500:], result.stderr[-500:])
    told = result.stdout + result.stderr
    assert "Traceback" not in told
    assert "fix:" in told or "Invalid value" in told or "Usage:" in told, told[-800:]
    after = sorted(p.relative_to(bad) for p in bad.rglob("*"))
    assert after == before, f"wrote {set(after) - set(before)}"


@pytest.mark.parametrize("question", ["", "   \n\t", "why? " * 801, "x" * 100_000])
def test_empty_and_overlong_questions_are_refused(question: str) -> None:
    with pytest.raises(LakewardError) as caught:
        checked_question(question)
    assert caught.value.field == "QUESTION" and caught.value.fix
