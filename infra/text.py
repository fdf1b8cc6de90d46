"""Text from environment files and tenant specs on its way into Terraform JSON.

Terraform reads every string of a `.tf.json` file as a template: `${...}` is evaluated
(`${file("/etc/passwd")}` reads the deploying machine's files) and `%{...}` is a directive. Every
configuration model derives from `SpecModel`, which refuses both sequences, and control characters, in
every string it holds, map keys included, naming the field. A field whose purpose is to hold arbitrary
text (keywords to block, say) is annotated `ESCAPED` instead: the model accepts it and the construct
writing it passes it through `literal`. Only ASCII `$`, `%` and `{` open a sequence; look-alikes such
as U+FF04 are plain text to Terraform.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

TEMPLATE_SEQUENCE = re.compile(r"[$%]\{")
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _Escaped:
    """Marks a field (`Annotated[..., ESCAPED]`) that may hold templates: its construct escapes it."""


ESCAPED = _Escaped()


def literal(text: str) -> str:
    """`text` written so that Terraform reads it back unchanged: `${` as `$${`, `%{` as `%%{`."""
    return text.replace("${", "$${").replace("%{", "%%{")


def text_problem(value: Any) -> str | None:
    """Why a value (a string, or strings inside lists and maps, keys included) cannot reach Terraform."""
    if isinstance(value, str):
        if match := TEMPLATE_SEQUENCE.search(value):
            return (
                f"holds '{match.group()}', which Terraform would evaluate as an expression; "
                "remove it (Lakeward writes no template text from configuration)"
            )
        if match := CONTROL_CHARACTER.search(value):
            return f"holds the control character {match.group()!r}; remove it"
        return None
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    if isinstance(items, list | tuple | set | frozenset):
        return next((problem for item in items if (problem := text_problem(item))), None)
    return None


class SpecModel(BaseModel):
    """A configuration model: unknown keys, template sequences and control characters are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and ESCAPED in field.metadata:
            return value
        if problem := text_problem(value):
            raise ValueError(problem)
        return value
