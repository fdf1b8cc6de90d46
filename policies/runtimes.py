"""Databricks Runtime long-term support releases and the day each one's support ends.

Source: the "Supported Databricks Runtime LTS releases" table of
https://docs.databricks.com/aws/en/release-notes/runtime/ (11.3 and 10.4 from earlier versions of the
same table). LTS releases get three years of support, the others about six months, so a runtime outside
this table is never acceptable for a governed cluster. Add each new LTS row as Databricks publishes it.
"""

from __future__ import annotations

import datetime as dt
import re

SOURCE = "https://docs.databricks.com/aws/en/release-notes/runtime/"
LTS_END_OF_SUPPORT = {
    "17.3": dt.date(2028, 10, 22),
    "16.4": dt.date(2028, 5, 9),
    "15.4": dt.date(2027, 8, 19),
    "14.3": dt.date(2027, 2, 1),
    "13.3": dt.date(2026, 8, 22),
    "12.2": dt.date(2026, 3, 1),
    "11.3": dt.date(2025, 10, 19),
    "10.4": dt.date(2025, 3, 18),
}
RUNTIME_KEY = re.compile(r"^(?P<version>\d+\.\d+)\.x-")


def runtime_problem(key: object, today: dt.date) -> str | None:
    """Why a runtime key such as `15.4.x-scala2.12` is not a supported LTS release on `today`."""
    match = RUNTIME_KEY.match(key) if isinstance(key, str) else None
    if match is None:
        return "not a versioned runtime key such as 15.4.x-scala2.12"
    version = match["version"]
    end = LTS_END_OF_SUPPORT.get(version)
    if end is None:
        return f"not a long-term support release (see {SOURCE})"
    if end <= today:
        return f"support for {version} LTS ended on {end.isoformat()}"
    return None
