"""The synthesized Terraform JSON, the contract between stacks, policies, tests and evidence.

Every reader of `OUT/stacks/<stack>/cdk.tf.json` goes through this module: where the files live, how
a document is read, its blocks, its resources and the `${...}` references between them. It imports only
the standard library because the policy pack runs it inside checkov's own virtual environment, where
only the `policies` folder is loaded; that is also why it lives here rather than beside the stacks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

STACKS_DIR = "stacks"
STACK_FILE = "cdk.tf.json"
STACK_GLOB = f"{STACKS_DIR}/*/{STACK_FILE}"

# `${type.name.attribute}` (or `${data.type.name.attribute}`), alone or inside a longer string.
_REFERENCE = r"\$\{(?P<data>data\.)?(?P<type>[a-z0-9_]+)\.(?P<name>[\w-]+)(?:\.(?P<attribute>\w+))?"
REFERENCE_IN_TEXT = re.compile(_REFERENCE)
REFERENCE = re.compile(f"^{_REFERENCE}}}$")
# A value another stack exports, read through the remote state CDK Terrain generates.
REMOTE_OUTPUT = re.compile(
    r"^\$\{data\.terraform_remote_state\.cross-stack-reference-input-(?P<stack>[\w-]+)"
    r"\.outputs\.(?P<output>[\w-]+)\}$"
)


class Reference(NamedTuple):
    """A parsed `${[data.]type.name[.attribute]}`."""

    type: str
    name: str
    attribute: str | None
    data: bool = False

    @property
    def address(self) -> str:
        return f"{'data.' if self.data else ''}{self.type}.{self.name}"


def stack_file(stack: str) -> str:
    """One stack's file relative to the output folder, as reports and bundles name it."""
    return f"{STACKS_DIR}/{stack}/{STACK_FILE}"


def stack_path(out: Path, stack: str) -> Path:
    """Where synthesis writes one stack under the output folder `out`."""
    return out / stack_file(stack)


def stack_paths(out: Path) -> dict[str, Path]:
    """`{stack: path}` for every stack under `out`, by name."""
    return {path.parent.name: path for path in sorted(out.glob(STACK_GLOB))}


def stack_name(path: Path) -> str:
    """The stack a `cdk.tf.json` path belongs to."""
    return path.parent.name


def is_stack_file(path: Path) -> bool:
    return path.name == STACK_FILE


def read_document(path: Path) -> dict[str, Any]:
    """One synthesized document."""
    return json.loads(path.read_text(encoding="utf-8"))


def key_lines(path: Path) -> dict[str, int]:
    """The line of the first `"key": {` of each object key, as synthesis writes the file (one key a line)."""
    lines: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if stripped.endswith(": {") and stripped.startswith('"'):
            lines.setdefault(stripped[1:-4], number)
    return lines


def read_stacks(out: Path) -> dict[str, dict[str, Any]]:
    """`{stack: document}` for every stack under `out`."""
    return {stack: read_document(path) for stack, path in stack_paths(out).items()}


def block(document: dict[str, Any], name: str) -> dict[str, Any]:
    """A top-level block (`resource`, `data`, `output`, `terraform`...), empty when absent."""
    value = document.get(name)
    return value if isinstance(value, dict) else {}


def resources(document: dict[str, Any], kind: str = "resource") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """`(type, name, body)` for each resource (or, with `kind="data"`, data source) of a document."""
    for type_, items in block(document, kind).items():
        if isinstance(items, dict):
            for name, body in items.items():
                if isinstance(body, dict):
                    yield type_, name, body


def resources_of(document: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    """`{name: body}` of one resource type."""
    items = block(document, "resource").get(type_)
    return items if isinstance(items, dict) else {}


def resource_count(document: dict[str, Any], kind: str = "resource") -> int:
    return sum(1 for _ in resources(document, kind))


def parse_reference(value: Any) -> Reference | None:
    """The reference a string consists of, or None when it is a literal or a longer expression."""
    match = REFERENCE.match(value) if isinstance(value, str) else None
    if not match:
        return None
    return Reference(match["type"], match["name"], match["attribute"], bool(match["data"]))


def is_reference(value: Any) -> bool:
    """True for any string Terraform will interpolate as a single expression."""
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


def references_in(value: Any) -> Iterator[Reference]:
    """Every reference anywhere in a value: nested blocks, lists and longer strings."""
    if isinstance(value, str):
        for match in REFERENCE_IN_TEXT.finditer(value):
            yield Reference(match["type"], match["name"], match["attribute"], bool(match["data"]))
    elif isinstance(value, dict):
        for item in value.values():
            yield from references_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from references_in(item)


def remote_output(value: Any) -> tuple[str, str] | None:
    """`(stack, output)` when a value reads another stack's output, else None."""
    match = REMOTE_OUTPUT.match(value) if isinstance(value, str) else None
    return (match["stack"], match["output"]) if match else None


def _values_of(value: Any, key: str) -> Iterator[Any]:
    """Every value stored under `key` anywhere inside a value (nested blocks and lists included)."""
    if isinstance(value, dict):
        for name, item in value.items():
            if name == key:
                yield item
            yield from _values_of(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _values_of(item, key)


def installed_wheels(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """`(job, path)` for each wheel a job task's libraries install."""
    for name, job in resources_of(document, "databricks_job").items():
        for task in job.get("task") or []:
            for library in task.get("library") or []:
                if isinstance(library, dict) and library.get("whl"):
                    yield name, library["whl"]


def installed_requirements(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """`(job, path)` for each requirements file a job task's libraries install."""
    for name, job in resources_of(document, "databricks_job").items():
        for task in job.get("task") or []:
            for library in task.get("library") or []:
                if isinstance(library, dict) and library.get("requirements"):
                    yield name, library["requirements"]


def uploaded_files(document: dict[str, Any]) -> dict[str, str]:
    """`{path: resource address}` of each file the document uploads into a volume (`databricks_file`)."""
    return {
        body["path"]: f"databricks_file.{name}"
        for name, body in resources_of(document, "databricks_file").items()
        if isinstance(body.get("path"), str)
    }


def served_models(document: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """`(endpoint, model, version)` for each Unity Catalog model version a serving endpoint serves."""
    for name, endpoint in resources_of(document, "databricks_model_serving").items():
        for entities in _values_of(endpoint, "served_entities"):
            for entity in entities if isinstance(entities, list) else []:
                if isinstance(entity, dict) and entity.get("entity_version") is not None:
                    yield name, str(entity.get("entity_name")), str(entity["entity_version"])


def called_functions(document: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """`(type, name, function)` for each Unity Catalog function a resource calls (column masks and
    row filters name theirs in `function_name`)."""
    for type_, name, body in resources(document):
        for function in _values_of(body, "function_name"):
            if isinstance(function, str):
                yield type_, name, function


# What Terraform reads as the start of a template sequence in any string (and any object key) of the
# document, escapes first: `$${` and `%%{` stand for the literal text `${` and `%{`.
_TEMPLATE_START = re.compile(r"\$\$\{|%%\{|\$\{|%\{")
# The only sequence the stacks write: a plain traversal such as `${aws_s3_bucket.logs.arn}`,
# `${data.terraform_remote_state.account.outputs.workspace_id}`, `${terraform.workspace}`, or one that
# enters a block list by position (`${databricks_storage_credential.c.aws_iam_role[0].external_id}`).
_PLAIN_TRAVERSAL = re.compile(r"\$\{(?:data\.)?[a-z][\w-]*(?:\.[\w-]+(?:\[\d+\])*)+\}")


def foreign_templates(value: Any) -> Iterator[str]:
    """Each template sequence in a value, nested values and object keys included, that is not a plain
    reference: a function call, an operator, a `%{...}` directive. The stacks write none of these."""
    if isinstance(value, str):
        for match in _TEMPLATE_START.finditer(value):
            token = match.group()
            if token in ("$${", "%%{"):
                continue
            plain = _PLAIN_TRAVERSAL.match(value, match.start()) if token == "${" else None
            if plain is None:
                yield _sequence(value, match.start())
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from foreign_templates(key)
            yield from foreign_templates(item)
    elif isinstance(value, list):
        for item in value:
            yield from foreign_templates(item)


def _sequence(text: str, start: int, limit: int = 80) -> str:
    """The template sequence opening at `start`, up to its closing brace (at most `limit` characters)."""
    depth = 0
    for index in range(start, min(len(text), start + limit)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0 and text[index] == "}":
            return text[start : index + 1]
    return text[start : start + limit]
