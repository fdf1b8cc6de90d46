"""Registers every Lakeward policy as a checkov check; checkov imports this file, Lakeward never does.

On a synthesized stack (`*.tf.json`) each check reads its resource from the JSON file itself (through
`contract`) rather than from checkov's HCL-style copy, so a policy sees exactly what the stack file
holds; `LAKEWARD_SCAN_ROOT` names the folder checkov was run in (scanned file paths are relative to it).
On hand-written HCL (`*.tf`) it reads the module's resources from checkov's graph, through `hcl`; a check
that cannot decide from the HCL returns UNKNOWN (checkov then reports nothing for it) and says so on
stderr in a `lakeward-pack: undecided {...}` line.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import hcl2
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

POLICIES_DIR = Path(__file__).resolve().parent.parent
PACKAGE = "lakeward_policies"
MODULES = ("registry", "base", "contract", "hcl")
UNDECIDED = "lakeward-pack: undecided "


def _load_package() -> tuple[Any, Any, Any, Any]:
    """`registry`, `base`, `contract` and `hcl` of the policies folder, loaded under a name of their own."""
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE, POLICIES_DIR / "__init__.py", submodule_search_locations=[str(POLICIES_DIR)]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = module
        spec.loader.exec_module(module)
    registry, base, contract, hcl = (importlib.import_module(f"{PACKAGE}.{name}") for name in MODULES)
    return registry, base, contract, hcl


@cache
def _document(scanned_file: str) -> dict[str, Any]:
    root = Path(os.environ.get("LAKEWARD_SCAN_ROOT", "."))
    path = Path(scanned_file)
    path = path if path.is_absolute() and path.exists() else root / scanned_file.lstrip("/")
    document: dict[str, Any] = _contract.read_document(path)
    return document


class LakewardCheck(BaseResourceCheck):
    """Adapts one Lakeward policy to checkov's resource check interface."""

    def __init__(self, policy: Any, resource_class: Any) -> None:
        self.policy = policy
        self.resource_class = resource_class
        self._scanned_file = ""
        self._entity_name = ""
        super().__init__(
            name=policy.name,
            id=policy.id,
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=list(policy.resource_types),
        )

    def run(
        self, scanned_file: str, entity_configuration: Any, entity_name: str, entity_type: str, skip_info: Any
    ):
        self._scanned_file, self._entity_name = scanned_file, entity_name
        return super().run(scanned_file, entity_configuration, entity_name, entity_type, skip_info)

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        if not self._scanned_file.endswith(".json"):
            return self._scan_hcl(conf)
        document = _document(self._scanned_file)
        attributes = _contract.resources_of(document, self.entity_type).get(self._entity_name)
        if not isinstance(attributes, dict):
            raise LookupError(f"{self.entity_type}.{self._entity_name} not found in {self._scanned_file}")
        problems = self.policy.evaluate(
            self.resource_class(self.entity_type, self._entity_name, attributes, document)
        )
        if problems is None:
            return CheckResult.UNKNOWN
        self.details = problems
        return CheckResult.FAILED if problems else CheckResult.PASSED

    def _scan_hcl(self, conf: dict[str, list[Any]]) -> CheckResult:
        """The policy on the resource as the module's document holds it; UNKNOWN when undecided. checkov
        hands each check the graph of the folder it scans before running it (`check.graph = self.graph`
        in checkov/common/checks/base_check_registry.py, checkov 3.3.30)."""
        folder = _folder(getattr(self, "graph", None))
        address = str(conf.get("__address__") or f"{self.entity_type}.{self._entity_name}")
        module = address.removesuffix(f"{self.entity_type}.{self._entity_name}")
        document = self._document(folder, module)
        if document is None:
            alone = _hcl.Vertex("resource", "", self.entity_type, self._entity_name, conf, "")
            document = _hcl.documents([alone], folder.reads)[("", "")]
        attributes = _resources(document, self.entity_type)[self._entity_name]
        resource = self.resource_class(self.entity_type, self._entity_name, attributes, document)
        verdict = _hcl.judge(self.policy, resource, folder.reads)
        if verdict is None:
            return CheckResult.UNKNOWN
        if verdict.undecided:
            record = {"check_id": self.id, "resource": address, "open": verdict.open}
            where = {"file": self._scanned_file, "line": conf.get("__start_line__", 0)}
            sys.stderr.write(UNDECIDED + json.dumps({**record, **where}) + "\n")
            return CheckResult.UNKNOWN
        self.details = verdict.problems
        return CheckResult.FAILED if verdict.problems else CheckResult.PASSED

    def _document(self, folder: _Folder, module: str) -> Any:
        """The document of the module instance that declares the resource: of the folders whose file
        ends as the scanned path (relative to the folder checkov scans) does, the shortest is that one."""
        candidates = [
            (directory, document)
            for (directory, prefix), document in folder.documents.items()
            if prefix == module and self._entity_name in _resources(document, self.entity_type)
        ]
        here = os.path.basename(self._scanned_file)
        exact = [c for c in candidates if f"{c[0]}/{here}".endswith(self._scanned_file)]
        return min(exact or candidates, key=lambda c: len(c[0]))[1] if candidates else None


class _Folder(NamedTuple):
    """The documents of one graph and the reads of the check judging them; holding the graph keeps its
    id, the cache key, from being reused."""

    graph: Any
    documents: dict[tuple[str, str], Any]
    reads: Any


def _resources(document: dict[str, Any], type_: str) -> dict[str, Any]:
    """`{name: body}` of one type, read without noting anything."""
    types = dict.get(document, "resource") or {}
    return dict.get(types, type_) or {}


_FOLDERS: dict[int, _Folder] = {}


def _folder(graph: Any) -> _Folder:
    """The documents of every module instance in checkov's graph of the scanned folder, built once."""
    key = id(graph)
    if key not in _FOLDERS:
        reads = _hcl.Reads()
        vertices = [v for v in map(_hcl.vertex, _vertex_attributes(graph)) if v is not None]
        _FOLDERS[key] = _Folder(graph, _hcl.documents(vertices, reads, _written(vertices)), reads)
    return _FOLDERS[key]


def _vertex_attributes(graph: Any) -> list[dict[str, Any]]:
    """Each vertex's attributes: rustworkx lists `(index, attributes)`; networkx needs `data=True`."""
    if graph is None:
        return []
    nodes = graph.nodes() if type(graph).__module__.startswith("rustworkx") else graph.nodes(data=True)
    return [node[1] if isinstance(node, tuple) else node for node in nodes if isinstance(node, tuple | dict)]


def _written(vertices: list[Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Each resource and data source as its file writes it, by `(file, type, name)`: it tells blocks
    from maps and holds the `dynamic` blocks checkov does not expand."""
    raw = {}
    for item in vertices:
        if item.kind in ("resource", "data") and item.file.endswith(".tf"):
            name = item.name.split("[", 1)[0]
            for entry in _parsed(item.file).get(item.kind, []):
                body = entry.get(item.type, {}).get(name)
                if isinstance(body, dict):
                    raw[(item.file, item.type, name)] = body
    return raw


@cache
def _parsed(path: str) -> dict[str, Any]:
    """A `.tf` file as hcl2 reads it; empty when it cannot (its blocks are then read without the file,
    and their `dynamic` blocks stay open)."""
    try:
        with open(path, encoding="utf-8") as handle:
            parsed: dict[str, Any] = hcl2.load(handle)
    except Exception:  # hcl2 raises lark's own errors; checkov reports the file itself
        return {}
    return parsed


_registry, _base, _contract, _hcl = _load_package()
CHECKS = [LakewardCheck(policy, _base.Resource) for policy in _registry.all_policies()]
sys.stderr.write(f"lakeward-pack: loaded {len(CHECKS)} checks\n")
