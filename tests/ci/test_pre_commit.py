"""The pre-commit hooks other repositories use, and this repository's own configuration: every entry is
a real command, and every `files` pattern matches the files it is meant for."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HOOKS: list[dict[str, Any]] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
OWN: list[dict[str, Any]] = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))[
    "repos"
][0]["hooks"]
# The folders the hooks' `files` patterns are meant for.
SHIPPED = [
    path.relative_to(REPO).as_posix()
    for folder in ("environments", "tenants", "ci")
    for path in (REPO / folder).rglob("*")
    if path.is_file()
]


def _lakeward_help(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lakeward", *arguments, "--help"], capture_output=True, text=True, cwd=REPO
    )


def test_the_hooks_offered_are_config_validate_tenant_validate_and_scan() -> None:
    assert [hook["id"] for hook in HOOKS] == [
        "lakeward-config-validate",
        "lakeward-tenant-validate",
        "lakeward-scan",
    ]
    for hook in HOOKS:
        assert {"id", "name", "entry", "language"} <= set(hook) and hook["language"] == "python"


@pytest.mark.parametrize("hook", HOOKS, ids=[hook["id"] for hook in HOOKS])
def test_each_hook_runs_a_real_lakeward_command(hook: dict[str, Any]) -> None:
    program, *arguments = shlex.split(hook["entry"])
    assert program == "lakeward"
    shown = _lakeward_help([*arguments, *hook.get("args", [])])
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"Usage: python -m lakeward {' '.join(arguments)}" in shown.stdout
    for option in (word for word in hook.get("args", []) if word.startswith("--")):
        assert option in shown.stdout


@pytest.mark.parametrize(
    ("hook_id", "expected"),
    [
        ("lakeward-config-validate", "environments/dev.yaml"),
        ("lakeward-tenant-validate", "tenants/claims_analytics.yaml"),
        ("lakeward-scan", "tenants/claims_analytics.yaml"),
    ],
)
def test_hook_patterns_match_the_files_they_check(hook_id: str, expected: str) -> None:
    (hook,) = [hook for hook in HOOKS if hook["id"] == hook_id]
    assert re.search(hook["files"], expected)
    assert not re.search(hook["files"], "README.md")


def test_the_hooks_that_check_files_pass_the_changed_ones_and_scan_takes_none() -> None:
    by_id = {hook["id"]: hook for hook in HOOKS}
    assert by_id["lakeward-scan"]["pass_filenames"] is False
    assert "pass_filenames" not in by_id["lakeward-config-validate"]


@pytest.mark.parametrize("hook", OWN, ids=[hook["id"] for hook in OWN])
def test_this_repositorys_hooks_run_tools_of_its_virtual_environment_on_existing_files(
    hook: dict[str, Any],
) -> None:
    program, *arguments = shlex.split(hook["entry"])
    assert hook["language"] == "system" and program.startswith(".venv/bin/")
    if program == ".venv/bin/lakeward":
        assert _lakeward_help(arguments).returncode == 0
    if "files" in hook:
        assert [path for path in SHIPPED if re.search(hook["files"], path)], hook["files"]
