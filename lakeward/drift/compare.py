"""Compare the code with the live workspace: match objects by name, then diff what the code declares.

Only attributes the code sets are compared (the workspace adds IDs, defaults and state of its own),
except where the code owns a whole collection: the rules of a cluster policy definition, tags, and the
blocks of keyed lists (grants by principal, rate limits by key and principal, tasks and job clusters by
key, served entities by name), where a live entry the code lacks is `added`. Values the code cannot
know before apply (another stack's outputs, unmatched references) are not compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from lakeward.drift.code import UNKNOWN, Code, CodeResource
from lakeward.drift.keys import OWNED, live_name, natural_key
from lakeward.drift.readers import LiveObject, LiveRead

AUTHORITATIVE = {"definition", "tags", "custom_tags"}
ATOMIC_CHILDREN = {"definition"}  # a policy rule is compared whole
BLOCK_KEYS = {
    "grant": ("principal",),
    "task": ("task_key",),
    "job_cluster": ("job_cluster_key",),
    "rate_limits": ("key", "principal"),
    "served_entities": ("name",),
    "served_models": ("name",),
    "tags": ("key",),
}
AFTER_APPLY = "(known after apply)"


@dataclass(frozen=True)
class Drift:
    """One difference: `added` (live only), `removed` (code only) or `changed` (both, values differ)."""

    kind: str
    stack: str
    resource: str
    attribute: str
    code: Any
    live: Any
    checks: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "stack": self.stack,
            "resource": self.resource,
            "attribute": self.attribute,
            "code": self.code,
            "live": self.live,
            "checks": list(self.checks),
        }


@dataclass
class Pair:
    code: CodeResource
    live: LiveObject
    resolved: dict[str, Any] = field(default_factory=dict)


@dataclass
class Matching:
    """Code and live objects by natural key: matched pairs, code without live, live without code."""

    pairs: list[Pair]
    removed: list[CodeResource]
    added: list[LiveObject]
    unmanaged: list[LiveObject]

    def live_value(self, stack: str, type_: str, name: str, attribute: str) -> Any:
        for pair in self.pairs:
            if (pair.code.stack, pair.code.type, pair.code.name) == (stack, type_, name):
                return pair.live.attributes.get(attribute, UNKNOWN)
        return UNKNOWN


def match(code: Code, live: LiveRead) -> Matching:
    """Pair each code resource with the live object of its type and key (`lakeward.drift.keys`).

    Resources keyed by a literal are paired first; then those whose key references another resource
    (an ACL for a service principal's application ID) are keyed from the pairs already made."""
    index: dict[tuple[str, str], LiveObject] = {}
    for obj in live.objects:
        index.setdefault((obj.type, obj.key), obj)
    matching = Matching([], [], [], [])
    used: set[int] = set()

    def pair_up(resource: CodeResource) -> None:
        found = index.get((resource.type, resource.key or ""))
        if found is not None and id(found) not in used:
            used.add(id(found))
            matching.pairs.append(Pair(resource, found))
        elif resource.type in live.complete:
            matching.removed.append(resource)

    later = [resource for resource in code.resources if resource.key is None]
    for resource in code.resources:
        if resource.key is not None:
            pair_up(resource)
    for resource in later:
        lookup = partial(matching.live_value, resource.stack)
        known = {k: v for k, v in resource.resolved(lookup).items() if v is not UNKNOWN}
        resource.key = natural_key(resource.type, known)
        if resource.key is not None:
            pair_up(resource)
    rest = [obj for obj in live.objects if id(obj) not in used]
    matching.added = [obj for obj in rest if obj.type in OWNED]
    matching.unmanaged = [obj for obj in rest if obj.type not in OWNED]
    for pair in matching.pairs:
        pair.resolved = pair.code.resolved(partial(matching.live_value, pair.code.stack))
    return matching


def drifts(matching: Matching) -> list[Drift]:
    """Every difference, ordered by stack, resource and attribute."""
    found: list[Drift] = []
    for pair in matching.pairs:
        changes: list[tuple[str, str, Any, Any]] = []
        _diff(pair.resolved, pair.live.attributes, "", changes)
        found += [Drift(kind, pair.code.stack, pair.code.address, path, c, v) for kind, path, c, v in changes]
    for resource in matching.removed:
        found.append(Drift("removed", resource.stack, resource.address, "", resource.key, None))
    for obj in matching.added:
        found.append(Drift("added", "", f"{obj.type}.{live_name(obj.key)}", "", None, obj.attributes))
    return sorted(found, key=lambda d: (d.stack, d.resource, d.attribute, d.kind))


def _leaf(path: str) -> str:
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


def _diff(code: Any, live: Any, path: str, out: list[tuple[str, str, Any, Any]]) -> None:
    if code is UNKNOWN:
        return
    if isinstance(code, dict):
        if path and code and not isinstance(live, dict):
            out.append(("removed", path, shown(code), live))
            return
        present = live if isinstance(live, dict) else {}
        for key, item in code.items():
            here = f"{path}.{key}" if path else key
            if _leaf(path) in ATOMIC_CHILDREN:
                if key not in present:
                    out.append(("removed", here, shown(item), None))
                elif not _equal(item, present[key]):
                    out.append(("changed", here, shown(item), present[key]))
            else:
                _diff(item, present.get(key), here, out)
        if _leaf(path) in AUTHORITATIVE:
            for key in sorted(set(present) - set(code)):
                out.append(("added", f"{path}.{key}", None, present[key]))
        return
    if isinstance(code, list) and code and all(isinstance(item, dict) for item in code):
        _diff_blocks(code, live, path, out)
        return
    if not _equal(code, live):
        out.append(("changed", path, shown(code), live))


def _diff_blocks(
    code: list[dict[str, Any]], live: Any, path: str, out: list[tuple[str, str, Any, Any]]
) -> None:
    """Lists of blocks: by their key where they have one, else by position."""
    present = [item for item in live if isinstance(item, dict)] if isinstance(live, list) else []
    fields = BLOCK_KEYS.get(_leaf(path))
    if fields is None:
        for index, item in enumerate(code):
            _diff(item, present[index] if index < len(present) else None, f"{path}[{index}]", out)
        return
    if any(block.get(name) is UNKNOWN for block in code for name in fields):
        return  # a block keyed by a value only apply knows cannot be paired
    keyed_live = {_block_key(block, fields): block for block in present}
    keys = set()
    for block in code:
        key = _block_key(block, fields)
        keys.add(key)
        here = f"{path}[{key}]"
        if key not in keyed_live:
            out.append(("removed", here, shown(block), None))
        else:
            _diff(block, keyed_live[key], here, out)
    for key in sorted(set(keyed_live) - keys):
        out.append(("added", f"{path}[{key}]", None, keyed_live[key]))


def _block_key(block: dict[str, Any], fields: tuple[str, ...]) -> str:
    return "/".join(str(block.get(name)) for name in fields if block.get(name) is not None)


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def _equal(code: Any, live: Any) -> bool:
    """Equal as Terraform would see them: UNKNOWN matches anything, `"true"` equals `true`, `"2"`
    equals `2`, lists of plain values in any order."""
    if code is UNKNOWN:
        return True
    if live is None and code in ([], {}, ""):
        return True
    if isinstance(code, dict):
        return (
            isinstance(live, dict)
            and set(code) == set(live)
            and all(_equal(v, live[k]) for k, v in code.items())
        )
    if isinstance(code, list):
        if not isinstance(live, list) or len(code) != len(live):
            return False
        if all(not isinstance(item, dict | list) for item in code + live):
            if any(item is UNKNOWN for item in code):
                return True
            return sorted(map(str, map(_norm, code))) == sorted(map(str, map(_norm, live)))
        return all(_equal(a, b) for a, b in zip(code, live, strict=True))
    return _norm(code) == _norm(live)


def shown(value: Any) -> Any:
    """A code value for the report: what apply will decide is written as such."""
    if value is UNKNOWN:
        return AFTER_APPLY
    if isinstance(value, dict):
        return {key: shown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shown(item) for item in value]
    return value
