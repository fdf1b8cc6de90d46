"""The HTML report renders in headless Chromium with no network: controls, charts and lineage."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from lakeward.evidence.bundle import ExportResult

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium missing: `make test` installs it")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_report_is_self_contained(full_bundle: ExportResult) -> None:
    html = (full_bundle.bundle / "data" / "report.html").read_text()
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "<script" not in html and "<link" not in html and "@import" not in html


def test_report_renders_controls_charts_and_lineage(full_bundle: ExportResult, tmp_path: Path) -> None:
    report = full_bundle.bundle / "data" / "report.html"
    dom = chromium(tmp_path, "--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    rows = re.findall(r"<tr class=\"control\" data-status=\"([^\"]+)\">", html)
    assert len(rows) == sum(full_bundle.controls.values())
    assert rows.count("pass") == full_bundle.controls["pass"] and "not evaluated" in rows
    assert "SOC2:CC6.1" in html and "HIPAA:164.312(a)(1)" in html
    assert 'aria-label="Findings by severity"' in html and 'aria-label="Evaluation metrics' in html
    assert "rag-evaluation/recall_at_10" in html
    assert html.count('class="job"') == 4 and html.count('class="dataset"') == 5
    screenshot = tmp_path / "report.png"
    shot = chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1280,2000", report.as_uri())
    assert shot.returncode == 0 and screenshot.is_file(), shot.stderr[-2000:]
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 2000)
    assert len(data) > 40_000  # text, badges and charts, not a blank page
