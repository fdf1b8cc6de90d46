"""What a job installs beside the wheel: a pinned requirements file derived from pyproject.toml's extras.

Installing the wheel on a cluster pulls only its base dependencies; the entry points also import the
`workloads` (and for the RAG jobs `rag`) extras. Each job task therefore installs, next to the wheel,
a requirements file listing the pins of its extras (read from pyproject.toml, the one source) less
what the cluster's Databricks Runtime provides and must keep. A task library takes such a file as
`requirements` ("Path to requirements.txt", supported on DBR 15.0+: the provider's
docs/resources/job.md, https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/job,
added after https://github.com/databricks/terraform-provider-databricks/issues/3471; Asset Bundles
name it the same way, https://docs.databricks.com/dev-tools/bundles/library-dependencies.html).

The file is named by its SHA-256 like the wheel (`<volume>/<sha256>/requirements-<name>.txt`), so a
new set of pins lands beside the old one. The same pyproject.toml gives the same bytes.

The spaCy model for PII detection, which the `workloads` jobs load (ingestion masks PII by default),
is pinned by hash in requirements/pii-model.txt; the jobs' files take it from there by version only.
One `--hash` line switches pip to hash-checking mode for the whole install, which then refuses every
requirement, dependencies included, that carries no hash
(https://pip.pypa.io/en/stable/topics/secure-installs/#hash-checking-mode), and the extras pin
versions, not hashes. The model's one dependency, spaCy 3.8, is among the `workloads` pins.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lakeward.wheel import CACHE_DIR, SOURCE_ROOT

# Distributions every Databricks Runtime brings, which a job uses as they are and must not reinstall.
# - pyspark: the runtime's Spark ships its own `pyspark` package; the PyPI distribution (a local
#   Spark, pinned in the `workloads` extra for tests) would shadow it, as it does Databricks Connect's
#   ("the databricks-connect package conflicts with PySpark",
#   https://docs.databricks.com/en/dev-tools/databricks-connect/python/install.html).
# - databricks-sdk: the runtime's own, whose `databricks.sdk.runtime` hands a job the cluster's dbutils
#   ("Use the Databricks SDK for Python from within a Databricks notebook",
#   https://docs.databricks.com/dev-tools/sdk-python.html); no extra pins it, so none replaces it.
RUNTIME_PROVIDED = ("databricks-sdk", "pyspark")
# What a Databricks Runtime ML (`*-ml-*` runtime keys, such as the GPU pool's) adds and keeps in
# step with its CUDA libraries ("ensures the compatibility of the libraries included on the cluster",
# https://docs.databricks.com/user-guide/clusters/mlruntime.html; the per-version list is in the
# runtime's release notes, https://docs.databricks.com/release-notes/runtime/index.html). A torch
# wheel from PyPI brings its own CUDA build in place of the runtime's.
ML_RUNTIME_PROVIDED = ("torch",)
CACHE = CACHE_DIR.parent / "requirements"
# The model requirements an extra's jobs need besides its Python pins, by file under the sources.
MODELS = {"workloads": "requirements/pii-model.txt"}


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str:
    """The distribution a requirement line names (`moto[server]==5.2.1` -> `moto`)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    if not match:
        raise ValueError(f"not a requirement: {line!r}")
    return normalize(match.group(1))


def runtime_provided(ml_runtime: bool) -> tuple[str, ...]:
    return RUNTIME_PROVIDED + (ML_RUNTIME_PROVIDED if ml_runtime else ())


@dataclass(frozen=True)
class Requirements:
    """One requirements file: its name (the extras and the runtime kind) and its text."""

    name: str
    text: str

    @property
    def filename(self) -> str:
        return f"requirements-{self.name}.txt"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def pins(self) -> list[str]:
        return [line for line in self.text.splitlines() if line and not line.startswith("#")]

    def volume_path(self, volume: str) -> str:
        """Where the deploy uploads it under a volume: a folder named by its digest, like the wheel."""
        return f"{volume}/{self.sha256}/{self.filename}"

    def write(self, cache: Path = CACHE) -> Path:
        """The file on disk (`cache/<sha256>/<filename>`), written once."""
        path = cache / self.sha256 / self.filename
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, staging = tempfile.mkstemp(dir=path.parent, prefix=".new-")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(self.text)
            os.chmod(staging, 0o644)
            os.replace(staging, path)
        return path


def extras_pins(extras: tuple[str, ...], root: Path = SOURCE_ROOT) -> list[str]:
    """The pins of `extras` in pyproject.toml, each distribution once."""
    declared = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    pins: dict[str, str] = {}
    for extra in extras:
        for line in declared[extra]:
            pins.setdefault(requirement_name(line), line)
    return [pins[name] for name in sorted(pins)]


def model_pins(extras: tuple[str, ...], root: Path = SOURCE_ROOT) -> list[str]:
    """The model requirements of `extras` (`MODELS`), their `--hash` options left out."""
    pins = []
    for extra in extras:
        if extra in MODELS:
            text = (root / MODELS[extra]).read_text(encoding="utf-8")
            lines = [line.split(" --hash")[0].strip() for line in text.splitlines()]
            pins += [line for line in lines if line and not line.startswith("#")]
    return pins


def job_requirements(extras: tuple[str, ...], ml_runtime: bool, root: Path = SOURCE_ROOT) -> Requirements:
    """The requirements file of a job importing `extras` on a runtime that is (or is not) ML."""
    provided = runtime_provided(ml_runtime)
    pins = [pin for pin in extras_pins(extras, root) if requirement_name(pin) not in provided]
    pins += model_pins(extras, root)
    name = "-".join(extras) + ("-ml" if ml_runtime else "")
    models = [MODELS[extra] for extra in extras if extra in MODELS]
    header = (
        f"# pyproject.toml extras {', '.join(extras)}, less what the Databricks Runtime"
        f"{' ML' if ml_runtime else ''} provides: {', '.join(provided)}"
        + "".join(f"; {model} by version" for model in models)
        + " (lakeward/job_requirements.py).\n"
    )
    return Requirements(name, header + "".join(f"{pin}\n" for pin in pins))
