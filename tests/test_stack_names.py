"""Stack IDs: built and read back by `stacks/names.py`, and spelled out nowhere else in the code."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from stacks.names import (
    ACCOUNT,
    FOUNDATION,
    PLATFORM_KINDS,
    TENANT,
    StackId,
    parse_stack_id,
    stack_id,
    tenant_stack_id,
)

REPO = Path(__file__).resolve().parent.parent
NAMING_MODULE = REPO / "stacks" / "names.py"
# A stack ID written out or assembled by hand: `lakeward-dev-account`, f"lakeward-{env}-tenant-{name}",
# f"{env.prefix}-foundation", and matching by suffix such as `.endswith("-workspace")`.
KINDS = "|".join((*PLATFORM_KINDS, TENANT))
HAND_MADE = re.compile(
    rf"lakeward-[\w{{}}.*]+-(?:{KINDS})\b"
    rf"|env\.prefix\}}-(?:{KINDS})\b"
    rf"|[\"']-(?:{KINDS})-?[\"']"
)


def test_platform_and_tenant_ids_read_back_into_their_parts() -> None:
    assert stack_id("dev", FOUNDATION) == "lakeward-dev-foundation"
    assert tenant_stack_id("prod", "claims_analytics") == "lakeward-prod-tenant-claims_analytics"
    for env in ("dev", "eu-prod", "a-tenant-b"):
        for kind in PLATFORM_KINDS:
            assert parse_stack_id(stack_id(env, kind)) == StackId(env, kind)
        assert parse_stack_id(tenant_stack_id(env, "hr_2")) == StackId(env, TENANT, "hr_2")
    assert parse_stack_id(tenant_stack_id("dev", "account")) == StackId("dev", TENANT, "account")


def test_unknown_kinds_and_foreign_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown stack kind 'network'"):
        stack_id("dev", "network")
    for name in ("lakeward-dev-retired", "other-dev-account", "lakeward-account", "lakeward-dev-tenant-a-b"):
        with pytest.raises(ValueError, match="not a stack ID"):
            parse_stack_id(name)
    assert parse_stack_id(stack_id("*", ACCOUNT)).env == "*"


def _sources() -> Iterator[Path]:
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in {"__pycache__", "node_modules"}]
        yield from (Path(folder) / name for name in files if name.endswith(".py"))


def test_no_stack_id_is_built_outside_the_naming_module() -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in _sources()
        if path not in (NAMING_MODULE, Path(__file__).resolve())
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_MADE.search(line)
    ]
    assert not found, "build or match stack IDs with stacks/names.py:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        'stacks = [f"lakeward-{ref.name}-tenant-{name}" for ref in workspaces]',
        'super().__init__(scope, f"{env.prefix}-foundation", env=env)',
        '"stack": "lakeward-*-foundation",',
        'if s.name.endswith("-foundation")',
        'tenant = stack.partition("-tenant-")[2]',
    ],
)
def test_the_guard_sees_hand_made_ids(line: str) -> None:
    assert HAND_MADE.search(line)


@pytest.mark.parametrize(
    "line",
    [
        'name=f"{prefix}-workspace",',
        'entry_point=f"lakeward-{stage}"',
        'f"/Volumes/{catalog}/raw/artifacts/lakeward-{__version__}-py3-none-any.whl"',
        'tempfile.TemporaryDirectory(prefix="lakeward-tenant-plan-")',
    ],
)
def test_the_guard_leaves_resource_names_alone(line: str) -> None:
    assert not HAND_MADE.search(line)
