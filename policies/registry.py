"""Finds every check in `policies/checks`: adding a check means adding one class there."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from functools import cache

from . import checks
from .base import Policy, Severity

ID_PATTERN = re.compile(r"^LKW_(DBX|AWS|DEPLOY)_\d{3}$")
REQUIRED = ("id", "name", "severity", "resource_types", "rationale", "remediation")


@cache
def all_policies() -> tuple[Policy, ...]:
    """One instance of every concrete check, sorted by ID; raises on a duplicate or incomplete check."""
    found: dict[str, Policy] = {}
    for info in pkgutil.iter_modules(checks.__path__):
        module = importlib.import_module(f"{checks.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, Policy) or cls.__module__ != module.__name__ or "id" not in cls.__dict__:
                continue
            _validate(cls)
            if cls.id in found:
                raise ValueError(
                    f"duplicate check ID {cls.id} in {cls.__name__} and {type(found[cls.id]).__name__}"
                )
            found[cls.id] = cls()
    return tuple(found[key] for key in sorted(found))


def by_id() -> dict[str, Policy]:
    return {policy.id: policy for policy in all_policies()}


def _validate(cls: type[Policy]) -> None:
    missing = [name for name in REQUIRED if not getattr(cls, name, None)]
    if missing:
        raise ValueError(f"check {cls.__name__} lacks {', '.join(missing)}")
    if not ID_PATTERN.match(cls.id):
        raise ValueError(
            f"check {cls.__name__} has ID {cls.id!r}; use LKW_DBX_###, LKW_AWS_### or LKW_DEPLOY_###"
        )
    if not isinstance(cls.severity, Severity):
        raise ValueError(f"check {cls.id} severity must be a Severity")
    if not (cls.soc2 or cls.iso27001 or cls.hipaa):
        raise ValueError(f"check {cls.id} maps to no control")
