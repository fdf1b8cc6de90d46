"""The Databricks account stack: wired to the foundation's endpoints, keys, role and buckets."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import Environment
from stacks.names import ACCOUNT, stack_id
from tests.footprint import Synthesized, reference


@pytest.fixture(params=["dev", "prod"])
def synth(request: pytest.FixtureRequest, synthesized: dict[str, Synthesized]) -> Synthesized:
    return synthesized[request.param]


def _follow(synth: Synthesized, expression: str) -> tuple[str, str, str]:
    """Resolve a reference in the account stack to the resource it ultimately names."""
    return reference(synth.resolve(expression))


def test_network_uses_both_privatelink_endpoints(synth: Synthesized) -> None:
    _, network = synth.one("account", "databricks_mws_networks")
    endpoints = synth.resources("account", "databricks_mws_vpc_endpoint")
    for role, foundation_endpoint in (
        ("rest_api", "workspace-endpoint"),
        ("dataplane_relay", "relay-endpoint"),
    ):
        [expression] = network["vpc_endpoints"][role]
        kind, name, attribute = reference(expression)
        assert (kind, attribute) == ("databricks_mws_vpc_endpoint", "vpc_endpoint_id")
        aws_id = _follow(synth, endpoints[name]["aws_vpc_endpoint_id"])
        assert aws_id[0] == "aws_vpc_endpoint" and foundation_endpoint in aws_id[1]
    assert all(_follow(synth, s)[1].startswith("network_private-") for s in network["subnet_ids"])
    assert _follow(synth, network["security_group_ids"][0])[1].startswith("network_workspace-sg")


def test_private_access_admits_only_the_rest_endpoint_over_privatelink(synth: Synthesized) -> None:
    _, pas = synth.one("account", "databricks_mws_private_access_settings")
    assert pas["private_access_level"] == "ENDPOINT"
    [allowed] = pas["allowed_vpc_endpoint_ids"]
    assert "rest-endpoint" in reference(allowed)[1]


def test_workspace_is_encrypted_with_both_keys_and_private(synth: Synthesized) -> None:
    _, workspace = synth.one("account", "databricks_mws_workspaces")
    keys = synth.resources("account", "databricks_mws_customer_managed_keys")
    use_cases = {}
    for attribute in ("managed_services_customer_managed_key_id", "storage_customer_managed_key_id"):
        kind, name, _ = reference(workspace[attribute])
        assert kind == "databricks_mws_customer_managed_keys"
        key = keys[name]
        use_cases[attribute] = key["use_cases"]
        assert _follow(synth, key["aws_key_info"]["key_arn"])[0] == "aws_kms_key"
    assert use_cases == {
        "managed_services_customer_managed_key_id": ["MANAGED_SERVICES"],
        "storage_customer_managed_key_id": ["STORAGE"],
    }
    assert reference(workspace["private_access_settings_id"])[0] == "databricks_mws_private_access_settings"
    assert reference(workspace["network_id"])[0] == "databricks_mws_networks"
    _, credentials = synth.one("account", "databricks_mws_credentials", "workspace_credentials")
    assert _follow(synth, credentials["role_arn"])[1].startswith("cross-account_role")
    _, storage = synth.one("account", "databricks_mws_storage_configurations", "workspace_storage")
    assert _follow(synth, storage["bucket_name"])[1].startswith("root-bucket")


def test_metastore_assigned_and_audit_logs_delivered(synth: Synthesized) -> None:
    _, assignment = synth.one("account", "databricks_metastore_assignment")
    assert reference(assignment["workspace_id"])[0] == "databricks_mws_workspaces"
    deliveries = synth.resources("account", "databricks_mws_log_delivery").values()
    assert {(d["log_type"], d["output_format"]) for d in deliveries} == {
        ("AUDIT_LOGS", "JSON"),
        ("BILLABLE_USAGE", "CSV"),
    }
    _, log_credentials = synth.one("account", "databricks_mws_credentials", "audit-logs")
    assert _follow(synth, log_credentials["role_arn"])[1].startswith("log-delivery_role")


def test_existing_metastore_is_assigned_not_created(tmp_path: Path, dev_env: Environment) -> None:
    from cdktn import App

    from stacks.app import APP_CONTEXT, build_footprint

    env = dev_env.model_copy(
        update={
            "metastore": dev_env.metastore.model_copy(
                update={"existing_id": "11111111-2222-4333-8444-555555555555", "create": False}
            )
        }
    )
    app = App(outdir=str(tmp_path), context=APP_CONTEXT)
    build_footprint(app, env, backend="local")
    app.synth()
    synth = Synthesized.load(tmp_path)
    assert not synth.resources("account", "databricks_metastore")
    _, assignment = synth.one("account", "databricks_metastore_assignment")
    assert assignment["metastore_id"] == "11111111-2222-4333-8444-555555555555"
    assert synth.stack("account")["terraform"]["backend"] == {
        "local": {"path": f"terraform.{stack_id('dev', ACCOUNT)}.tfstate"}
    }


def test_state_backend_is_encrypted_and_locked(synth: Synthesized) -> None:
    for name, stack in synth.stacks.items():
        backend = stack["terraform"]["backend"]["s3"]
        assert backend["encrypt"] is True and backend["use_lockfile"] is True and backend["kms_key_id"]
        assert backend["key"].endswith(f"/{name}.tfstate")
