"""Registers every Lakeward policy as a checkov check; checkov imports this file, Lakeward never does.

Each check reads its resource from the synthesized JSON file itself (through `contract`) rather than
from checkov's HCL-style copy, so a policy sees exactly what the stack file holds. `LAKEWARD_SCAN_ROOT`
names the folder checkov was run in (scanned file paths are relative to it).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

POLICIES_DIR = Path(__file__).resolve().parent.parent
PACKAGE = "lakeward_policies"
MODULES = ("registry", "base", "contract")


def _load_package() -> tuple[Any, Any, Any]:
    """`registry`, `base` and `contract` of the policies folder, loaded under a name of their own."""
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE, POLICIES_DIR / "__init__.py", submodule_search_locations=[str(POLICIES_DIR)]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = module
        spec.loader.exec_module(module)
    registry, base, contract = (importlib.import_module(f"{PACKAGE}.{name}") for name in MODULES)
    return registry, base, contract


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


_registry, _base, _contract = _load_package()
CHECKS = [LakewardCheck(policy, _base.Resource) for policy in _registry.all_policies()]
sys.stderr.write(f"lakeward-pack: loaded {len(CHECKS)} checks\n")
