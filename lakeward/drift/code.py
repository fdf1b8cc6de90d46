"""The code side of drift: the synthesized stacks, read through `policies/contract.py`, as resources with
their natural keys and with references resolved as far as the code and the live workspace allow.

A reference `${type.name.attribute}` resolves to the literal the code writes there (a catalog's `name`),
to `<catalog>.<schema>` for a schema's `id`, or, once the referenced resource is matched to a live
object, to that object's value (a pool's `instance_pool_id`, a service principal's `application_id`).
What stays unknown (another stack's output, an unmatched resource) is not compared.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakeward.drift.keys import COVERED, natural_key
from lakeward.drift.shapes import SETTINGS, definition_rules
from lakeward.errors import LakewardError
from policies import contract

UNKNOWN = object()  # a value the code cannot know before apply
IGNORED = {"//", "depends_on", "lifecycle", "provider", "count", "for_each", "force_destroy"}
Lookup = Callable[[str, str, str], Any]  # (type, name, attribute) -> live value or UNKNOWN


@dataclass
class CodeResource:
    """One covered resource of one stack."""

    stack: str
    type: str
    name: str
    attributes: dict[str, Any]
    document: dict[str, Any] = field(repr=False)
    key: str | None = None

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"

    def resolved(self, live: Lookup) -> dict[str, Any]:
        """The attributes drift compares: references resolved, a policy definition parsed into rules."""
        attributes = {k: v for k, v in self.attributes.items() if k not in IGNORED}
        if self.type == "databricks_cluster_policy" and "definition" in attributes:
            rules = definition_rules(attributes["definition"])
            attributes["definition"] = rules if rules is not None else attributes["definition"]
        return resolve(attributes, self.document, live)


@dataclass
class Code:
    """Every covered resource of the stacks, and the source they came from."""

    source: str
    resources: list[CodeResource]

    def of(self, type_: str) -> list[CodeResource]:
        return [r for r in self.resources if r.type == type_]

    def securables(self) -> list[tuple[str, str]]:
        """`(catalog|schema, full name)` of every grants resource on a catalog or schema."""
        found = []
        for resource in self.of("databricks_grants"):
            securable, _, name = (resource.key or "").partition(":")
            if name:
                found.append((securable, name))
        return sorted(set(found))

    def names(self, type_: str) -> list[str]:
        return sorted({r.key for r in self.of(type_) if r.key})

    def conf_keys(self) -> list[str]:
        keys: set[str] = set()
        for resource in self.of("databricks_workspace_conf"):
            config = resource.attributes.get("custom_config")
            keys |= set(config) if isinstance(config, dict) else set()
        return sorted(keys)

    def settings(self) -> list[str]:
        return sorted({r.type for r in self.resources if r.type in SETTINGS})


def no_live(type_: str, name: str, attribute: str) -> Any:
    return UNKNOWN


def resolve(value: Any, document: dict[str, Any], live: Lookup = no_live, depth: int = 0) -> Any:
    """`value` with every whole-string reference replaced by what it stands for, else `UNKNOWN`."""
    if isinstance(value, dict):
        return {key: resolve(item, document, live, depth) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, document, live, depth) for item in value]
    if not contract.is_reference(value):
        return value
    reference = contract.parse_reference(value)
    if reference is None or reference.data or reference.attribute is None or depth > 5:
        return UNKNOWN
    target = contract.resources_of(document, reference.type).get(reference.name)
    if isinstance(target, dict):
        if reference.attribute in target:
            return resolve(target[reference.attribute], document, live, depth + 1)
        if reference.type == "databricks_schema" and reference.attribute == "id":
            catalog = resolve(target.get("catalog_name"), document, live, depth + 1)
            name = resolve(target.get("name"), document, live, depth + 1)
            if isinstance(catalog, str) and isinstance(name, str):
                return f"{catalog}.{name}"
    return live(reference.type, reference.name, reference.attribute)


def read_code(stacks: dict[str, dict[str, Any]], source: str) -> Code:
    """The covered resources of `{stack: document}` with their natural keys, in a stable order."""
    resources = []
    for stack, document in sorted(stacks.items()):
        for type_, name, body in contract.resources(document):
            if type_ not in COVERED:
                continue
            resource = CodeResource(stack, type_, name, body, document)
            keyed = {k: v for k, v in resolve(body, document).items() if v is not UNKNOWN}
            resource.key = natural_key(type_, keyed)
            resources.append(resource)
    return Code(source, resources)


def check_input(input_dir: Path | None) -> None:
    """Refuse an `--input` folder that holds no synthesized stacks."""
    if input_dir is not None and not contract.stack_paths(input_dir):
        raise LakewardError(
            f"no {contract.STACK_GLOB} under this folder",
            source=str(input_dir),
            field="--input",
            fix="pass a folder written by `lakeward synth --out DIR`, or leave it out to synthesize --env",
        )


@contextmanager
def code_stacks(env: str, input_dir: Path | None) -> Iterator[tuple[Path, str]]:
    """A synth output folder: `input_dir` as it is, or `env` synthesized into a temporary folder."""
    check_input(input_dir)
    if input_dir is not None:
        yield input_dir, str(input_dir)
        return
    from lakeward.synth import synthesize

    with tempfile.TemporaryDirectory(prefix="lakeward-drift-synth-") as tmp:
        yield synthesize(env, Path(tmp) / "out").out, f"env:{env}"
