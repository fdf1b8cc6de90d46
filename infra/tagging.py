"""Required tags on every taggable resource, applied once per stack by an aspect."""

from __future__ import annotations

import jsii
from cdktn import IAspect, TerraformResource
from constructs import IConstruct

# Databricks resources whose tag attribute has another name.
DATABRICKS_TAG_ATTRIBUTES = {
    "databricks_instance_pool": "custom_tags",
    "databricks_mws_workspaces": "custom_tags",
}


@jsii.implements(IAspect)
class RequiredTags:
    """Merge the environment's required tags into each resource's own tags (its own values win)."""

    def __init__(self, tags: dict[str, str]) -> None:
        self._tags = dict(tags)

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformResource):
            return
        resource_type = node.terraform_resource_type
        if resource_type.startswith("aws_") and hasattr(node, "tags_input"):
            node.tags = {**self._tags, **(node.tags_input or {})}  # type: ignore[attr-defined]
        elif resource_type in DATABRICKS_TAG_ATTRIBUTES:
            attribute = DATABRICKS_TAG_ATTRIBUTES[resource_type]
            own = getattr(node, f"{attribute}_input") or {}
            setattr(node, attribute, {**self._tags, **own})
