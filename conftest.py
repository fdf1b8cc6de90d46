"""Shared fixtures: each environment is synthesized once per test session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from infra.config import Environment, load_environment
from tests.footprint import Synthesized, stand_in_wheel

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The build cache of a test session is its own: never the developer's, never shared between sessions.
os.environ["LAKEWARD_CACHE"] = tempfile.mkdtemp(prefix="lakeward-test-cache-")
# No test starts a resident worker unless it says so (tests/test_workers.py), and none outlives the suite.
os.environ["LAKEWARD_WORKERS"] = "off"

REPO = Path(__file__).resolve().parent

pytest_plugins = ["security_tests.pack_scan"]


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    """The dev and prod footprints, synthesized through the same function `lakeward synth` uses, with
    a fixed stand-in for the wheel (see `stand_in_wheel`)."""
    from lakeward.synth import synthesize

    root = tmp_path_factory.mktemp("synth")
    wheel = stand_in_wheel(root)
    return {
        name: Synthesized.load(synthesize(name, root / name, wheel=wheel).out) for name in ("dev", "prod")
    }


@pytest.fixture(scope="session")
def dev(synthesized: dict[str, Synthesized]) -> Synthesized:
    return synthesized["dev"]


@pytest.fixture(scope="session")
def prod(synthesized: dict[str, Synthesized]) -> Synthesized:
    return synthesized["prod"]


@pytest.fixture(scope="session")
def dev_env() -> Environment:
    return load_environment("dev")


@pytest.fixture(scope="session")
def prod_env() -> Environment:
    return load_environment("prod")
