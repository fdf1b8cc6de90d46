"""Fixtures of the evidence tests: a signing key, the sources, and a bundle exported from them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lakeward.evidence.bundle import ExportOptions, ExportResult, export_bundle
from lakeward.evidence.keys import KeyPair, keygen
from tests.evidence.sources import EPOCH, populate_mlflow, write_sources
from tests.footprint import Synthesized


@contextmanager
def source_date(epoch: int | None = EPOCH) -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH for the block (session fixtures cannot use monkeypatch)."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return keygen(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def mlflow_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    return populate_mlflow(tmp_path_factory.mktemp("mlflow"))


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_sources(tmp_path_factory.mktemp("sources"))


def options(
    out: Path,
    signer: KeyPair,
    dev: Synthesized,
    sources: dict[str, Path],
    mlflow_uri: str | None,
    **overrides: object,
) -> ExportOptions:
    """Export options with every file source and the dev stacks synthesized once per session."""
    values: dict[str, object] = {
        "out": out,
        "key": signer.private,
        "env": "dev",
        "stacks": dev.out,
        "results": sources["results"],
        "lineage": sources["lineage"],
        "tenants": sources["tenants"],
        "waivers": sources["waivers"],
        "mlflow_uri": mlflow_uri,
    }
    values.update(overrides)
    return ExportOptions(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def full_bundle(
    tmp_path_factory: pytest.TempPathFactory,
    signing_key: KeyPair,
    dev: Synthesized,
    sources: dict[str, Path],
    mlflow_uri: str,
) -> ExportResult:
    """A bundle with every source present, exported at SOURCE_DATE_EPOCH."""
    with source_date():
        return export_bundle(
            options(tmp_path_factory.mktemp("bundle") / "b1", signing_key, dev, sources, mlflow_uri)
        )
