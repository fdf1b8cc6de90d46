"""`lakeward ci stages`: the deploy stages of stacks/stages.py, in order, as the pipelines run them."""

from __future__ import annotations

import json
from pathlib import Path

from stacks.stages import STAGES
from tests.cli import run_cli


def _listed(*args: str | Path) -> list[list[str]]:
    result = run_cli("ci", "stages", *args)
    assert result.exit_code == 0, result.stderr
    return [line.split("\t") for line in result.stdout.splitlines()]


def test_the_stages_are_those_of_stacks_stages_in_order() -> None:
    listed = _listed("--env", "dev")
    assert [name for name, _, _ in listed] == [stage.name for stage in STAGES]
    actions = {name: (action, target) for name, action, target in listed}
    assert actions["bootstrap"] == ("run", "lakeward bootstrap --env dev")
    assert actions["tenants"] == ("apply", "tenant")
    assert actions["release"][0] == "skip" and "model release" in actions["release"][1]


def test_serving_is_applied_only_when_the_release_file_names_a_champion(tmp_path: Path) -> None:
    """lakeward/releases/files.py: a missing release file is an environment with no champion yet."""
    without = {name: action for name, action, _ in _listed("--env", "dev", "--releases", tmp_path)}
    assert without["serving"] == "skip"
    (tmp_path / "dev.yaml").write_text("endpoints:\n  lakeward-rag:\n    champion: {version: 3}\n")
    with_champion = run_cli("ci", "stages", "--env", "dev", "--releases", tmp_path, "--json")
    stages = {stage["name"]: stage for stage in json.loads(with_champion.stdout)["stages"]}
    assert stages["serving"]["action"] == "apply" and stages["serving"]["needs"] == [
        "account",
        "workspace",
        "release",
    ]


def test_bad_input_names_the_option() -> None:
    bad = run_cli("ci", "stages", "--env", "../dev", process=True)
    assert bad.exit_code == 2 and "--env" in bad.stderr and "Traceback" not in bad.stderr
