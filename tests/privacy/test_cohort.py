"""`lakeward privacy check`: the smallest equivalence class of a table whose answer is known."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import write_deltalake

from lakeward.errors import LakewardError
from tests.cli import run_cli
from workloads.privacy.cohort import check

# classes on (age, zip): (34, 94110) x4, (35, 94110) x3, (51, 10001) x2, (62, 10002) x1
ROWS = [(34, "94110")] * 4 + [(35, "94110")] * 3 + [(51, "10001")] * 2 + [(62, "10002")]
TABLE = pa.table(
    {
        "age": [a for a, _ in ROWS],
        "zip": [z for _, z in ROWS],
        "diagnosis": ["x"] * len(ROWS),
    }
)


def test_smallest_class_and_rows_below_k() -> None:
    report = check(TABLE, ["age", "zip"], 3)
    assert (report.k, report.rows_below_k, report.classes_below_k, report.ok) == (1, 3, 2, False)
    assert check(TABLE, ["zip"], 3).k == 1 and check(TABLE, ["age", "zip"], 1 + 1).k == 1
    by_change = {(s["column"], s["change"]): s["k"] for s in report.suggestions}
    assert by_change[("age", "ranges of 10")] == 1  # 62 stays alone in its range
    assert by_change[("zip", "first 4 characters")] == 1
    assert by_change[("age", "suppress")] == 1 and by_change[("zip", "suppress")] == 1
    assert check(TABLE.slice(0, 7), ["age", "zip"], 3).ok


@pytest.mark.parametrize("form", ["parquet", "csv", "delta"])
def test_cli_json_on_each_format(tmp_path: Path, form: str) -> None:
    path = tmp_path / f"t.{form}"
    if form == "parquet":
        pq.write_table(TABLE, path)
    elif form == "csv":
        path.write_text("age,zip,diagnosis\n" + "".join(f"{a},{z},x\n" for a, z in ROWS))
    else:
        write_deltalake(str(path), TABLE)
    args = ["privacy", "check", str(path), "--quasi-identifiers", "age,zip", "--k", "2", "--json"]
    result = run_cli(*args)
    assert result.exit_code == 1, result.stderr
    payload = json.loads(result.stdout)
    assert (payload["k"], payload["rows_below_k"], payload["ok"]) == (1, 1, False)
    passing = run_cli("privacy", "check", path, "--quasi-identifiers", "zip", "--k", "1")
    assert passing.exit_code != 0  # k=1 protects nothing: refused


def test_text_report_and_bad_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(TABLE, path)
    result = run_cli("privacy", "check", path, "--quasi-identifiers", "zip", "--k", "1")
    assert result.exit_code == 2 and "--k" in result.stderr and "fix:" in result.stderr
    shown = run_cli("privacy", "check", path, "--quasi-identifiers", "age", "--k", "2")
    assert shown.exit_code == 1 and "smallest class 1" in shown.stdout and "suppress" in shown.stdout
    with pytest.raises(LakewardError, match="not columns"):
        check(TABLE, ["age", "postcode"], 2)
