"""The platform's governance library: the functions tenant ABAC policies call and the governed tags
their conditions name. `lakeward bootstrap` creates them in `<catalog>.governance` of each
environment; the tenant rules accept only these names, so a tenant cannot name a function that no
step creates.

The functions follow Databricks' advice for ABAC UDFs (SQL, simple CASE expressions, deterministic
where the result depends on the value only):
https://docs.databricks.com/aws/en/data-governance/unity-catalog/abac/udf-best-practices
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from infra.config import Environment

SCHEMA = "governance"
"""The schema of each environment's catalog that holds the functions and the bootstrap's record."""


@dataclass(frozen=True)
class Function:
    """A SQL UDF: `name(parameter type) RETURNS returns RETURN body`."""

    name: str
    kind: Literal["mask", "filter"]
    parameter: str
    type: str
    returns: str
    body: str
    deterministic: bool
    comment: str


@dataclass(frozen=True)
class GovernedTag:
    """A key-only governed tag (a tag policy without values)."""

    key: str
    description: str


FUNCTIONS = (
    Function(
        "mask_pii",
        "mask",
        "value",
        "STRING",
        "STRING",
        "CASE WHEN value IS NULL THEN NULL ELSE '[REDACTED]' END",
        True,
        "column mask for columns tagged pii",
    ),
    Function(
        "mask_phi",
        "mask",
        "value",
        "STRING",
        "STRING",
        "CASE WHEN value IS NULL THEN NULL ELSE '[REDACTED PHI]' END",
        True,
        "column mask for columns tagged phi",
    ),
    Function(
        "filter_region",
        "filter",
        "region",
        "STRING",
        "BOOLEAN",
        "is_account_group_member(concat('region-', region))",
        False,
        "row filter: members of the account group region-<value> see the rows of that region",
    ),
)
TAGS = (
    GovernedTag("pii", "Personal data: columns tagged pii are masked by mask_pii."),
    GovernedTag("phi", "Protected health information: columns tagged phi are masked by mask_phi."),
    GovernedTag("region", "The column that holds a row's region: rows are filtered by filter_region."),
)
FUNCTION_NAMES = tuple(function.name for function in FUNCTIONS)
TAG_KEYS = tuple(tag.key for tag in TAGS)
# hasTag('k'), has_tag('k'), hasTagValue('k', 'v') and has_tag_value('k', 'v') in a policy condition.
TAG_REFERENCE = re.compile(r"\bhas_?[Tt]ag(?:_?[Vv]alue)?\(\s*'([^']*)'")


def tags_in(condition: str) -> list[str]:
    """The tag keys a policy condition refers to, in order."""
    return TAG_REFERENCE.findall(condition)


def functions_schema(catalog: str) -> str:
    """The full name of an environment's governance schema."""
    return f"{catalog}.{SCHEMA}"


def warehouse_name(env: Environment) -> str:
    """The serverless SQL warehouse the workspace stack declares and the bootstrap finds by name."""
    return f"{env.prefix}-sql"
