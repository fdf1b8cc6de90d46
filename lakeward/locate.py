"""Where Lakeward finds files, the same from a checkout and from an installed wheel.

Data that ships with the code (the control mapping, the waivers, the checkov pack) is read through
`importlib.resources` from its package. The project's own folders (`environments/`, `tenants/`,
`.secrets.baseline`) belong to the repository a platform team keeps: they are found under the project
root, the nearest folder upward from the working directory that holds `cdktf.json`, or the folder that
`LAKEWARD_PROJECT` names.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

PROJECT_MARKER = "cdktf.json"


def project_root() -> Path:
    """The project folder: `$LAKEWARD_PROJECT`, else the nearest ancestor of the working directory
    holding `cdktf.json`, else the working directory."""
    named = os.environ.get("LAKEWARD_PROJECT")
    if named:
        return Path(named).resolve()
    here = Path.cwd().resolve()
    return next((folder for folder in (here, *here.parents) if (folder / PROJECT_MARKER).is_file()), here)


def project_path(*parts: str) -> Path:
    """A path inside the project folder."""
    return project_root().joinpath(*parts)


SCIFACT_ENV = "LAKEWARD_SCIFACT"


def scifact_dir() -> Path:
    """The BEIR SciFact folder (corpus.jsonl, queries.jsonl, qrels/) that data-dependent tests and
    benchmarks read: `$LAKEWARD_SCIFACT`, else `shared/data/scifact` beside the project folder."""
    named = os.environ.get(SCIFACT_ENV)
    return Path(named) if named else project_root().parent / "shared" / "data" / "scifact"


def scifact_missing() -> str | None:
    """Why SciFact cannot be read, naming how to provide it; None when it is there."""
    folder = scifact_dir()
    if (folder / "corpus.jsonl").is_file():
        return None
    return f"SciFact is not at {folder}: set {SCIFACT_ENV} to a BEIR SciFact folder (corpus.jsonl, qrels/)"


def package_file(package: str, *parts: str) -> Path:
    """A data file shipped inside an installed package (a real path: packages install unzipped)."""
    return Path(str(files(package).joinpath(*parts)))
