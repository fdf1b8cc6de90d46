"""moto's server starts on a free loopback port within seconds and is always stopped."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from lakeward.rehearsal import processes
from lakeward.rehearsal.emulator import check_endpoint, moto_server, responds


def test_starts_answers_and_stops_even_when_interrupted(tmp_path: Path) -> None:
    started = time.perf_counter()
    with (
        pytest.raises(KeyboardInterrupt),
        moto_server(account_id="111111111111", log_path=tmp_path / "m.log") as url,
    ):
        assert time.perf_counter() - started < 15
        assert url.startswith("http://127.0.0.1:") and responds(url)
        assert check_endpoint(url + "/") == url
        raise KeyboardInterrupt
    assert not responds(url, timeout=0.5)
    assert not processes._live


def test_an_endpoint_that_does_not_answer_is_a_clear_error() -> None:
    with pytest.raises(LakewardError, match="no moto server answers") as caught:
        check_endpoint("http://127.0.0.1:9")
    assert caught.value.field == "--endpoint"
    with pytest.raises(LakewardError, match="not a URL"):
        check_endpoint("localhost:5000")
