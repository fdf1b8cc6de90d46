"""The incident playbooks: each names its signal, containment, remediation and evidence, and every
`lakeward` command it names exists with the options it passes; the evidence bundle lists their
versions."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from lakeward.cli import app
from lakeward.evidence.collectors.operations import collect_playbooks

PLAYBOOKS = Path(__file__).resolve().parent.parent / "docs" / "playbooks"
PAGES = sorted(PLAYBOOKS.glob("*.md"))
SECTIONS = ("## Signal", "## Containment", "## Remediation", "## Evidence to keep")
REQUIRED = {"pii-exposure", "prompt-injection", "quality-regression", "cost-spike", "leaked-credential"}


def commands_named(text: str) -> list[str]:
    """Every `lakeward ...` command line of a page: in fenced blocks and in inline code."""
    fenced = [
        line.split("#")[0].strip()
        for block in re.findall(r"```bash\n(.*?)```", text, re.S)
        for line in block.splitlines()
    ]
    inline = re.findall(r"`(lakeward [^`]+)`", text)
    return [line for line in fenced + inline if line.startswith("lakeward ")]


def resolve(words: list[str]) -> tuple[Any, list[str]]:
    """The command a `lakeward` line runs and the words after its name."""
    command: Any = typer.main.get_command(app)
    rest = words[1:]
    while getattr(command, "commands", None) and rest and rest[0] in command.commands:
        command, rest = command.commands[rest[0]], rest[1:]
    assert not getattr(command, "commands", None), f"{' '.join(words)}: not a command"
    return command, rest


def test_every_playbook_is_there_with_its_four_parts() -> None:
    assert {page.stem for page in PAGES} == REQUIRED
    for page in PAGES:
        text = page.read_text()
        assert [s for s in SECTIONS if s in text] == list(SECTIONS), page.name
        assert commands_named(text.split("## Containment")[1].split("## Remediation")[0]), page.name


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_each_named_command_exists_with_its_options(page: Path) -> None:
    lines = commands_named(page.read_text())
    assert lines
    for line in lines:
        command, rest = resolve(shlex.split(line))
        options = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
        named = [word.split("=")[0] for word in rest if word.startswith("--")]
        assert set(named) <= options, f"{page.name}: {line}: unknown {set(named) - options}"
        choices = {"--pii-mode": {"mask", "pseudonymize"}}
        for option, allowed in choices.items():
            if option in rest:
                assert rest[rest.index(option) + 1] in allowed, line


def test_the_bundle_lists_each_playbook_with_its_digest() -> None:
    item = collect_playbooks(PLAYBOOKS, dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert item.status == "collected"
    assert item.summary["playbooks"] == {
        page.stem: hashlib.sha256(page.read_bytes()).hexdigest() for page in PAGES
    }
