"""Read synthesized Terraform JSON the way the tests need it: by type, by address, across stacks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakeward import __version__
from lakeward.wheel import Wheel, file_sha256
from policies import contract
from stacks.names import parse_stack_id


@dataclass
class Synthesized:
    """All stacks of one synth output folder."""

    out: Path
    stacks: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, out: Path) -> Synthesized:
        return cls(out, contract.read_stacks(out))

    def stack(self, kind: str) -> dict[str, Any]:
        matches = [doc for name, doc in self.stacks.items() if parse_stack_id(name).kind == kind]
        assert len(matches) == 1, f"expected one {kind} stack, found {list(self.stacks)}"
        return matches[0]

    def resources(self, suffix: str, resource_type: str) -> dict[str, dict[str, Any]]:
        return contract.resources_of(self.stack(suffix), resource_type)

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
            for kind, name, body in contract.resources(doc)
        ]

    def resolve(self, expression: str) -> str:
        """Follow a cross-stack remote-state output to the expression it exports."""
        exported = contract.remote_output(expression)
        if exported is None:
            return expression
        stack, output = exported
        return self.stacks[stack]["output"][output]["value"]


def reference(expression: str) -> tuple[str, str, str]:
    """Split `${type.name.attribute}` into its parts."""
    parsed = contract.parse_reference(expression)
    assert parsed and not parsed.data and parsed.attribute, (
        f"{expression!r} is not a plain resource reference"
    )
    return parsed.type, parsed.name, parsed.attribute


def policy_document(text: str) -> dict[str, Any]:
    return json.loads(text)


STAND_IN_WHEEL = b"a fixed stand-in for the lakeward wheel\n"


def stand_in_wheel(folder: Path) -> Wheel:
    """Fixed bytes in place of the project's wheel. The synthesized JSON names the wheel's SHA-256, and
    the real wheel changes with every edit of the code; the footprint tests and the snapshot use this
    stand-in so the JSON changes only when the footprint does (tests/test_wheel.py builds the real one
    and checks that a synth uploads it)."""
    path = folder / f"lakeward-{__version__}-py3-none-any.whl"
    path.write_bytes(STAND_IN_WHEEL)
    return Wheel(path, file_sha256(path))
