"""Every taggable resource carries the required tags; a resource's own tags are kept."""

from __future__ import annotations

import importlib

import pytest

from infra.config import REQUIRED_TAG_KEYS, load_environment
from lakeward.tenants.loader import load_tenants
from stacks.names import parse_stack_id
from tests.footprint import Synthesized


def _binding(resource_type: str) -> type:
    provider, _, rest = resource_type.partition("_")
    module = importlib.import_module(f"cdktn_provider_{provider}.{rest}")
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "TF_RESOURCE_TYPE", None) == resource_type:
            return value
    raise AssertionError(f"no binding class for {resource_type}")


def _tag_attribute(resource_type: str) -> str | None:
    """The attribute the provider schema offers for tags, as the binding class exposes it."""
    cls = _binding(resource_type)
    for attribute in ("tags", "custom_tags"):
        if hasattr(cls, f"{attribute}_input"):
            return attribute
    return None


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_every_taggable_resource_has_required_tags(
    synthesized: dict[str, Synthesized], env_name: str
) -> None:
    synth = synthesized[env_name]
    platform = load_environment(env_name).resource_tags()
    assert set(platform) == set(REQUIRED_TAG_KEYS)
    tenants = load_tenants()
    checked = set()
    for stack, kind, name, body in synth.all_resources():
        # A tenant's own Owner, CostCenter and DataClassification (and its Tenant tag) win.
        tenant = parse_stack_id(stack).tenant
        expected = {**platform, **tenants[tenant].tags()} if tenant else platform
        attribute = _tag_attribute(kind)
        if attribute is None:
            continue
        tags = body.get(attribute)
        if isinstance(tags, dict) and isinstance(tags.get("custom_tags"), list):  # SQL warehouses
            tags = tags["custom_tags"]
        if isinstance(tags, list):  # serving endpoints take a list of key/value blocks
            tags = {tag["key"]: tag["value"] for tag in tags}
        assert tags, f"{stack}: {kind}.{name} has no {attribute}"
        for key, value in expected.items():
            assert tags.get(key) == value, f"{stack}: {kind}.{name} lacks {key}={value}"
        checked.add(kind)
    assert {
        "aws_s3_bucket",
        "aws_vpc",
        "aws_kms_key",
        "aws_iam_role",
        "databricks_instance_pool",
        "databricks_mws_workspaces",
        "databricks_model_serving",
        "databricks_sql_endpoint",
    } <= checked


def test_own_tags_are_kept(dev: Synthesized) -> None:
    for body in dev.resources("foundation", "aws_subnet").values():
        assert body["tags"]["Name"].startswith("lakeward-dev-") and body["tags"]["Tier"] in {
            "private",
            "endpoint",
        }
