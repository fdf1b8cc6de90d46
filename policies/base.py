"""What every Lakeward check is: metadata beside one function that decides.

This module and the checks import only the standard library: the same classes run inside checkov's own
virtual environment (through `policies/checkov_pack`) and inside Lakeward (for reports and tests).
"""

from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, ClassVar


class Severity(StrEnum):
    """Finding severity, ordered LOW < MEDIUM < HIGH < CRITICAL."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Resource:
    """One resource of a synthesized stack, read the same way whatever its block layout.

    Terraform JSON writes a nested block as an object or as a list of objects depending on the schema;
    `get` and `blocks` accept both, so checks never care which one the synthesizer chose.
    """

    def __init__(
        self, type_: str, name: str, attributes: dict[str, Any], document: dict[str, Any] | None = None
    ):
        self.type = type_
        self.name = name
        self.attributes = attributes
        self.document = document or {}

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"

    def get(self, path: str, default: Any = None) -> Any:
        """The value at a dotted path; a block held in a one-element list is entered transparently."""
        value: Any = self.attributes
        for part in path.split("."):
            if isinstance(value, list):
                value = value[0] if len(value) == 1 and isinstance(value[0], dict) else None
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value

    def blocks(self, path: str) -> list[dict[str, Any]]:
        """The blocks at a dotted path as a list, whether written as one object or a list."""
        return as_blocks(self.get(path))

    def tags(self) -> dict[str, str]:
        """Tags from `tags` or `custom_tags`, as a map or as a list of key/value blocks."""
        tags: dict[str, str] = {}
        for key in ("tags", "custom_tags"):
            value = self.get(key)
            if isinstance(value, dict):
                tags.update({str(k): str(v) for k, v in value.items()})
            for block in as_blocks(value) if isinstance(value, list) else []:
                if "key" in block:
                    tags[str(block["key"])] = str(block.get("value", ""))
        return tags


def as_blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def load_json_text(value: Any) -> Any:
    """A JSON document held in a string attribute (policies, definitions); None if not literal JSON."""
    if isinstance(value, dict | list):
        return value
    if not isinstance(value, str):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


class Check:
    """What every check over the synthesized JSON declares, as class attributes: its ID, name and
    severity, why it matters (`rationale`), how to fix a failure (`remediation`) and the controls it
    supports. A check's controls are declared here and nowhere else."""

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    rationale: ClassVar[str]
    remediation: ClassVar[str]
    # The documentation page or issue the check encodes, where it encodes a documented constraint.
    source: ClassVar[str] = ""
    soc2: ClassVar[tuple[str, ...]] = ()
    iso27001: ClassVar[tuple[str, ...]] = ()
    hipaa: ClassVar[tuple[str, ...]] = ()
    sat: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def controls(cls) -> list[str]:
        """Control references as `FRAMEWORK:ID`, the form reports and the control mapping use."""
        return list(_control_references(cls.soc2, cls.iso27001, cls.hipaa, cls.sat))


class Policy(Check):
    """One check of the pack, run by checkov on each resource: the decision in `problems`.

    Subclasses set every attribute of `Check` and `resource_types`, and implement `problems`, which
    yields one sentence per violation (nothing when the resource complies). `applies` narrows the check
    to the resources it concerns; a resource it does not apply to is neither passed nor failed.
    """

    resource_types: ClassVar[tuple[str, ...]]
    # True for a check that guards what synthesis generates and means nothing in hand-written HCL.
    synthesized_only: ClassVar[bool] = False

    def applies(self, resource: Resource) -> bool:
        return True

    def problems(self, resource: Resource) -> Iterator[str]:
        raise NotImplementedError

    def evaluate(self, resource: Resource) -> list[str] | None:
        """None when the check does not apply, else the list of problems (empty: compliant)."""
        if not self.covers(resource.type) or not self.applies(resource):
            return None
        return list(self.problems(resource))

    @classmethod
    def covers(cls, resource_type: str) -> bool:
        """Whether `resource_types` names this type; `*` there stands for any type, as in checkov."""
        return any(fnmatch.fnmatchcase(resource_type, pattern) for pattern in cls.resource_types)

    @classmethod
    def metadata(cls) -> dict[str, Any]:
        metadata = {
            "id": cls.id,
            "name": cls.name,
            "severity": cls.severity.value,
            "resource_types": list(cls.resource_types),
            "rationale": cls.rationale,
            "remediation": cls.remediation,
            "controls": cls.controls(),
        }
        if cls.source:
            metadata["source"] = cls.source
        return metadata


@functools.cache
def _control_references(
    soc2: tuple[str, ...], iso27001: tuple[str, ...], hipaa: tuple[str, ...], sat: tuple[str, ...]
) -> tuple[str, ...]:
    """`Check.controls`, worked out once a check: a scan asks for it on every finding."""
    return (
        *(f"SOC2:{c}" for c in soc2),
        *(f"ISO27001:{c}" for c in iso27001),
        *(f"HIPAA:{c}" for c in hipaa),
        *(f"SAT:{c}" for c in sat),
    )
