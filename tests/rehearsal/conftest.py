"""A patched moto server shared by the fast rehearsal tests, and boto3 clients on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lakeward.rehearsal.emulator import EMULATOR_KEY_ID, EMULATOR_SECRET, moto_server

ACCOUNT = "111111111111"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = Path(tmp_path_factory.mktemp("moto")) / "moto.log"
    with moto_server(account_id=ACCOUNT, log_path=log) as url:
        yield url


@pytest.fixture
def aws(endpoint: str) -> Any:
    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=EMULATOR_KEY_ID,
            aws_secret_access_key=EMULATOR_SECRET,
        )

    return client
