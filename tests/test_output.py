"""What every command prints: the JSON object, or the view with long lines kept whole, then its error."""

from __future__ import annotations

import json

import pytest
from rich.console import Group

from lakeward.errors import LakewardError
from lakeward.output import Outcome, line, show


def test_the_view_keeps_unwrapped_lines_whole(capsys: pytest.CaptureFixture[str]) -> None:
    digest = "sha256:" + "ab" * 64
    outcome = Outcome({"digest": digest}, Group(line(f"[green]verified[/] {digest}", wrap=False)), 3)
    assert show(outcome) == 3
    assert capsys.readouterr().out == f"verified {digest}\n"
    assert show(outcome, json_out=True) == 3
    assert json.loads(capsys.readouterr().out) == {"digest": digest}


def test_a_text_view_prints_as_it_is_and_the_error_comes_after(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = Outcome({}, "# [plan]\n", error=LakewardError("blocked", field="hybrid.ndcg_at_10"))
    with pytest.raises(LakewardError):
        show(outcome)
    assert capsys.readouterr().out == "# [plan]\n"
