"""Detection never touches the network or the disk: no DNS, no connection, no suffix-list cache."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from workloads.privacy.detection import Detector
from workloads.privacy.recognizers import offline_suffixes
from workloads.privacy.tokens import mask


def test_building_and_analyzing_makes_no_connection_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    attempts: list[object] = []

    def blocked(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "getaddrinfo", blocked)
    monkeypatch.setattr(socket, "create_connection", blocked)
    monkeypatch.setattr(socket.socket, "connect", blocked)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / ".cache"))
    offline_suffixes.cache_clear()
    text = "Write to zhou.haoran@example-health.org or ops@uni-hamburg.de from 10.1.2.3."
    [findings] = Detector().analyze([text])
    assert mask(text, findings) == "Write to [EMAIL_ADDRESS] or [EMAIL_ADDRESS] from [IP_ADDRESS]."
    assert offline_suffixes()("x.co.uk").suffix == "co.uk"
    assert attempts == []
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
