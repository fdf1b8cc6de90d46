"""Required tags on every taggable resource, applied once per stack by an aspect."""

from __future__ import annotations

import jsii
from cdktn import IAspect, TerraformResource
from constructs import IConstruct

# Resources whose tags are key/value blocks (a list, or a block holding one); their constructs set
# the tags themselves.
LIST_TAGGED = frozenset({"databricks_model_serving", "databricks_budget_policy", "databricks_sql_endpoint"})


@jsii.implements(IAspect)
class RequiredTags:
    """Merge the environment's required tags into each resource's tag map (its own values win)."""

    def __init__(self, tags: dict[str, str]) -> None:
        self._tags = dict(tags)

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformResource) or node.terraform_resource_type in LIST_TAGGED:
            return
        for attribute in ("custom_tags", "tags"):
            if hasattr(node, f"{attribute}_input"):
                own = getattr(node, f"{attribute}_input") or {}
                setattr(node, attribute, {**self._tags, **own})
                return
