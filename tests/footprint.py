"""Read synthesized Terraform JSON the way the tests need it: by type, by address, across stacks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.names import parse_stack_id

REMOTE_OUTPUT = re.compile(
    r"^\$\{data\.terraform_remote_state\.cross-stack-reference-input-(?P<stack>[\w-]+)"
    r"\.outputs\.(?P<output>[\w-]+)\}$"
)
REFERENCE = re.compile(r"^\$\{(?P<type>[a-z0-9_]+)\.(?P<name>[\w-]+)\.(?P<attribute>\w+)\}$")


@dataclass
class Synthesized:
    """All stacks of one synth output folder."""

    out: Path
    stacks: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, out: Path) -> Synthesized:
        stacks = {
            path.parent.name: json.loads(path.read_text())
            for path in sorted(out.glob("stacks/*/cdk.tf.json"))
        }
        return cls(out, stacks)

    def stack(self, kind: str) -> dict[str, Any]:
        matches = [doc for name, doc in self.stacks.items() if parse_stack_id(name).kind == kind]
        assert len(matches) == 1, f"expected one {kind} stack, found {list(self.stacks)}"
        return matches[0]

    def resources(self, suffix: str, resource_type: str) -> dict[str, dict[str, Any]]:
        return self.stack(suffix).get("resource", {}).get(resource_type, {})

    def one(self, suffix: str, resource_type: str, name_part: str = "") -> tuple[str, dict[str, Any]]:
        found = [(n, r) for n, r in self.resources(suffix, resource_type).items() if name_part in n]
        assert len(found) == 1, (
            f"expected one {resource_type} matching {name_part!r}, found {[n for n, _ in found]}"
        )
        return found[0]

    def all_resources(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(stack, type, name, body) for every resource of every stack."""
        return [
            (stack, kind, name, body)
            for stack, doc in self.stacks.items()
            for kind, items in doc.get("resource", {}).items()
            for name, body in items.items()
        ]

    def resolve(self, expression: str) -> str:
        """Follow a cross-stack remote-state output to the expression it exports."""
        match = REMOTE_OUTPUT.match(expression)
        if not match:
            return expression
        return self.stacks[match["stack"]]["output"][match["output"]]["value"]


def reference(expression: str) -> tuple[str, str, str]:
    """Split `${type.name.attribute}` into its parts."""
    match = REFERENCE.match(expression)
    assert match, f"{expression!r} is not a plain resource reference"
    return match["type"], match["name"], match["attribute"]


def policy_document(text: str) -> dict[str, Any]:
    return json.loads(text)
