"""The dev footprint deployed into the fake Databricks API, and `lakeward drift` run against it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from lakeward.drift.commands import drift
from lakeward.output import Outcome
from tests.drift.deployed import deployed
from tests.fakes.databricks_api import TOKEN, FakeAccount, fake_databricks
from tests.footprint import Synthesized

ACCOUNT_ID = "00000000-0000-4000-8000-000000000001"


@contextmanager
def serving(fake: FakeAccount) -> Iterator[dict[str, str]]:
    """The variables a deployer exports, pointing at the fake workspace."""
    with fake_databricks(fake) as url:
        yield {"DATABRICKS_HOST": url, "DATABRICKS_TOKEN": TOKEN}


@pytest.fixture
def workspace(dev: Synthesized) -> FakeAccount:
    """A fresh fake workspace exactly as the dev stacks describe it."""
    return FakeAccount(ACCOUNT_ID, workspace=deployed(dev.out))


Run = Callable[[FakeAccount], Outcome]


@pytest.fixture
def run_drift(dev: Synthesized) -> Run:
    """`lakeward drift --env dev --input <dev synth>` against a fake workspace, as the CLI calls it."""

    def run(fake: FakeAccount, **options: Any) -> Outcome:
        with serving(fake) as environ:
            return drift("dev", dev.out, None, environ, timeout=5, **options)

    return run
