"""Inside the workspace: catalog and grants, compute policies, pool, secrets, serving, hardening."""

from __future__ import annotations

import json

import pytest

from infra.config import SCHEMAS, Environment, load_environment
from lakeward.governance.library import SCHEMA as GOVERNANCE_SCHEMA
from lakeward.governance.library import warehouse_name
from stacks import outputs
from tests.footprint import Synthesized, reference

BROAD = {"users", "account users", "admins"}


@pytest.fixture(params=["dev", "prod"])
def case(
    request: pytest.FixtureRequest, synthesized: dict[str, Synthesized]
) -> tuple[Synthesized, Environment]:
    return synthesized[request.param], load_environment(request.param)


def test_catalog_and_pipeline_schemas(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    _, catalog = synth.one("workspace", "databricks_catalog")
    assert catalog["name"] == env.catalog.name and catalog["isolation_mode"] == "ISOLATED"
    assert catalog["owner"] == env.groups.admins
    schemas = {s["name"] for s in synth.resources("workspace", "databricks_schema").values()}
    assert schemas == {*SCHEMAS, GOVERNANCE_SCHEMA}
    _, credential = synth.one("workspace", "databricks_storage_credential")
    _, role = synth.one("workspace", "aws_iam_role", "catalog_role")
    assert credential["aws_iam_role"]["role_arn"] == f"arn:aws:iam::{env.aws.account_id}:role/{role['name']}"


def test_grants_are_least_privilege(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    grants = synth.resources("workspace", "databricks_grants")
    assert grants
    for body in grants.values():
        for grant in body["grant"]:
            assert grant["principal"].lower() not in BROAD
            assert "ALL_PRIVILEGES" not in grant["privileges"] and "MANAGE" not in grant["privileges"]
            assert "@" not in grant["principal"], "grants go to groups or service principals, never people"
    by_schema = {}
    for body in grants.values():
        if "schema" in body:
            schema_name = synth.resources("workspace", "databricks_schema")[reference(body["schema"])[1]][
                "name"
            ]
            by_schema[schema_name] = {g["principal"]: set(g["privileges"]) for g in body["grant"]}
    assert set(by_schema) == {*SCHEMAS, GOVERNANCE_SCHEMA}
    assert by_schema[GOVERNANCE_SCHEMA] == {env.groups.engineers: {"USE_SCHEMA", "EXECUTE"}}
    readable = {
        name for name, grants_ in by_schema.items() if "SELECT" in grants_.get(env.groups.readers, set())
    }
    assert readable == {"curated", "evaluation"}
    assert all("MODIFY" not in grants_.get(env.groups.readers, set()) for grants_ in by_schema.values())
    jobs = next(iter(synth.resources("workspace", "databricks_service_principal")))
    jobs_ref = f"${{databricks_service_principal.{jobs}.application_id}}"
    assert "MODIFY" in by_schema["embeddings"][jobs_ref]
    assert "MODIFY" not in by_schema["prompts"][jobs_ref]


def _policy(synth: Synthesized, name_part: str) -> tuple[dict, dict]:
    _, body = synth.one("workspace", "databricks_cluster_policy", name_part)
    return body, json.loads(body["definition"])


PINNED = {"fixed", "allowlist", "forbidden"}


@pytest.mark.parametrize("policy", ["jobs-policy", "gpu-policy"])
def test_cluster_policies_pin_security_attributes(case: tuple[Synthesized, Environment], policy: str) -> None:
    synth, env = case
    _, definition = _policy(synth, policy)
    for attribute in (
        "spark_version",
        "data_security_mode",
        "autotermination_minutes",
        "enable_local_disk_encryption",
        "aws_attributes.instance_profile_arn",
    ):
        assert definition[attribute]["type"] in PINNED, attribute
    assert definition["data_security_mode"] == {"type": "fixed", "value": "SINGLE_USER"}
    assert definition["autotermination_minutes"]["value"] == env.compute.autotermination_minutes
    # The GPU policy's clusters take the tags from the pool it pins (a cluster may not repeat them).
    _, pool = synth.one("workspace", "databricks_instance_pool")
    tags = pool["custom_tags"] if policy == "gpu-policy" else {}
    for key, value in env.resource_tags().items():
        if policy == "gpu-policy":
            assert tags[key] == value and f"custom_tags.{key}" not in definition
        else:
            assert definition[f"custom_tags.{key}"] == {"type": "fixed", "value": value}
    for cap in ("dbus_per_hour", "num_workers", "autoscale.max_workers"):
        assert definition[cap]["type"] == "range" and definition[cap]["maxValue"] > 0
    runtimes = definition["spark_version"]["values"]
    assert runtimes == (env.compute.runtimes if policy == "jobs-policy" else [env.gpu.runtime])


def test_gpu_policy_requires_the_gpu_pool(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    _, definition = _policy(synth, "gpu-policy")
    pool_name, pool = synth.one("workspace", "databricks_instance_pool")
    expected = f"${{databricks_instance_pool.{pool_name}.instance_pool_id}}"
    assert definition["instance_pool_id"] == {"type": "fixed", "value": expected, "hidden": True}
    assert definition["driver_instance_pool_id"]["value"] == expected
    assert definition["node_type_id"]["type"] == "forbidden"
    assert pool["min_idle_instances"] == 0 and pool["max_capacity"] == env.gpu.max_capacity
    assert pool["node_type_id"] == env.gpu.node_type
    assert definition["dbus_per_hour"]["maxValue"] == env.gpu.max_dbus_per_hour


def test_secret_scope_acls_and_no_secret_values(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    acls = {
        a["principal"]: a["permission"]
        for a in synth.resources("workspace", "databricks_secret_acl").values()
    }
    assert acls[env.groups.admins] == "MANAGE"
    assert [p for p, permission in acls.items() if permission == "MANAGE"] == [env.groups.admins]
    assert not set(acls) & BROAD
    assert not synth.resources("workspace", "databricks_secret")
    for _, kind, _, body in synth.all_resources():
        assert "string_value" not in body and "secret_value" not in body, kind


def test_serving_autoscaling_gateway_and_scale_to_zero_outside_prod(
    case: tuple[Synthesized, Environment],
) -> None:
    synth, env = case
    endpoints = synth.resources("serving", "databricks_model_serving")
    assert {e["name"] for e in endpoints.values()} == {e.name for e in env.serving.endpoints}
    for endpoint in endpoints.values():
        [entity] = endpoint["config"]["served_entities"]
        assert entity["scale_to_zero_enabled"] is (not env.is_production)
        assert 0 <= entity["min_provisioned_concurrency"] <= entity["max_provisioned_concurrency"]
        if env.is_production:
            assert entity["min_provisioned_concurrency"] >= 4
        gateway = endpoint["ai_gateway"]
        assert {limit["key"] for limit in gateway["rate_limits"]} == {"user", "endpoint"}
        assert gateway["usage_tracking_config"]["enabled"] is True
        assert gateway["inference_table_config"]["enabled"] is True
        assert gateway["inference_table_config"]["catalog_name"] == env.catalog.name
        assert gateway["guardrails"]["input"]["pii"]["behavior"] == "BLOCK"
        assert gateway["guardrails"]["output"]["safety"] is True


def test_workspace_hardening(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    _, conf = synth.one("workspace", "databricks_workspace_conf")
    config = conf["custom_config"]
    assert config["enableIpAccessLists"] == "true"
    assert config["maxTokenLifetimeDays"] == str(env.workspace.token_max_lifetime_days)
    for key in (
        "enableExportNotebook",
        "enableResultsDownloading",
        "enableDbfsFileBrowser",
        "enableDeprecatedGlobalInitScripts",
    ):
        assert config[key] == "false"
    _, allow = synth.one("workspace", "databricks_ip_access_list")
    assert allow["list_type"] == "ALLOW" and allow["ip_addresses"] == [
        str(n) for n in env.workspace.allowed_ip_ranges
    ]
    _, restrict = synth.one("workspace", "databricks_restrict_workspace_admins_setting")
    assert restrict["restrict_workspace_admins"]["status"] == "RESTRICT_TOKENS_AND_JOB_RUN_AS"
    profiles = synth.resources("workspace", "databricks_compliance_security_profile_workspace_setting")
    assert bool(profiles) is env.workspace.compliance_security_profile


def test_workspace_provider_points_at_the_account_stacks_workspace(
    case: tuple[Synthesized, Environment],
) -> None:
    synth, _ = case
    [provider] = [p for p in synth.stack("workspace")["provider"]["databricks"] if "alias" not in p]
    kind, _, attribute = reference(synth.resolve(provider["host"]))
    assert (kind, attribute) == ("databricks_mws_workspaces", "workspace_url")


def test_serverless_usage_is_attributed_to_the_budget_policy(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    _, policy = synth.one("account", "databricks_budget_policy")
    assert policy["policy_name"] == f"{env.prefix}-serverless"
    assert {tag["key"]: tag["value"] for tag in policy["custom_tags"]} == env.resource_tags()
    assert reference(policy["binding_workspace_ids"][0])[0] == "databricks_mws_workspaces"
    endpoints = [
        *synth.resources("serving", "databricks_model_serving").values(),
        *synth.resources("retrieval", "databricks_vector_search_endpoint").values(),
    ]
    for endpoint in endpoints:
        kind, _, attribute = reference(synth.resolve(endpoint["budget_policy_id"]))
        assert (kind, attribute) == ("databricks_budget_policy", "policy_id")


def test_serverless_sql_warehouse_for_the_bootstrap(case: tuple[Synthesized, Environment]) -> None:
    """Serverless needs the PRO type (terraform-provider-databricks docs/resources/sql_endpoint.md:
    PRO "is required for serverless SQL warehouses"); it stops when idle and admins may use it."""
    synth, env = case
    key, warehouse = synth.one("workspace", "databricks_sql_endpoint")
    assert warehouse["name"] == warehouse_name(env)
    assert (warehouse["enable_serverless_compute"], warehouse["warehouse_type"]) == (True, "PRO")
    assert warehouse["cluster_size"] == env.warehouse.size
    assert warehouse["auto_stop_mins"] == env.warehouse.auto_stop_minutes >= 10
    (permissions,) = [
        body
        for body in synth.resources("workspace", "databricks_permissions").values()
        if body.get("sql_endpoint_id") == f"${{databricks_sql_endpoint.{key}.id}}"
    ]
    assert permissions["access_control"] == [{"group_name": env.groups.admins, "permission_level": "CAN_USE"}]
    output = synth.stack("workspace")["output"][outputs.SQL_WAREHOUSE_ID]
    assert output["value"] == f"${{databricks_sql_endpoint.{key}.id}}"
