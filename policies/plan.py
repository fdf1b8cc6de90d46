"""A Terraform plan (`terraform show -json PLAN`) as synthesized stack documents, so the same scan judges
what will change, including values known only at plan time.

Each planned resource of the plan's `planned_values` (root module and child modules, with `count` and
`for_each` instances) becomes one resource of a stack document in the contract's layout; resources the
plan deletes are left out, since nothing will exist to judge. Values the plan cannot know yet
(`after_unknown`) are absent from `planned_values`, as they are from the plan itself.
Standard library only, like the rest of the pack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import contract

SAFE = re.compile(r"[^A-Za-z0-9_-]+")


class PlanError(ValueError):
    """The file is not the JSON of `terraform show -json` for a saved plan."""


def _modules(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield module
    for child in module.get("child_modules", []) or []:
        yield from _modules(child)


def _name(resource: dict[str, Any]) -> str:
    """A resource name unique in the document: module path, name and instance key, made safe."""
    address = str(resource.get("address", resource.get("name", "resource")))
    prefix, _, _ = address.rpartition(f"{resource.get('type')}.")
    parts = [prefix.removeprefix("module.").rstrip(".").replace(".module.", "_"), resource.get("name", "")]
    index = resource.get("index")
    if index is not None:
        parts.append(str(index))
    return SAFE.sub("_", "_".join(str(p) for p in parts if p != "")).strip("_") or "resource"


def plan_document(plan: dict[str, Any]) -> dict[str, Any]:
    """The planned resources of a plan as one stack document: `{"resource": {type: {name: values}}}`."""
    if not isinstance(plan, dict) or "planned_values" not in plan or "format_version" not in plan:
        raise PlanError("no planned_values: not the output of `terraform show -json` for a saved plan")
    deleted = {
        change.get("address")
        for change in plan.get("resource_changes", []) or []
        if change.get("change", {}).get("actions") == ["delete"]
    }
    resources: dict[str, dict[str, Any]] = {}
    root = plan["planned_values"].get("root_module", {}) or {}
    for module in _modules(root):
        for resource in module.get("resources", []) or []:
            if resource.get("mode") != "managed" or resource.get("address") in deleted:
                continue
            values = resource.get("values") or {}
            resources.setdefault(str(resource.get("type")), {})[_name(resource)] = values
    return {"resource": resources}


def write_plan_stacks(plan_files: list[Path], out: Path) -> dict[str, Path]:
    """Each plan as `out/stacks/<plan name>/cdk.tf.json`; `{stack: path}`."""
    written = {}
    for path in plan_files:
        try:
            plan = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise PlanError(f"{path}: cannot read a JSON plan ({exc})") from None
        stack = SAFE.sub("-", path.name.removesuffix(".json").removesuffix(".plan")) or "plan"
        document = plan_document(plan)
        target = contract.stack_path(out, stack)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(document, indent=2, sort_keys=True), encoding="utf-8")
        written[stack] = target
    return written
