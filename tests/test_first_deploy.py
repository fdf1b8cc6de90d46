"""What the first apply on a real account needs from the synthesized footprint: each test encodes one
documented provider or API constraint (its source in the docstring) the stacks once broke."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO
from infra.config import Environment, FrontEnd, check_shared_singletons, parse_environment
from infra.workspace.compute import POOL_OWNED
from lakeward.errors import LakewardError
from policies.base import Resource
from policies.registry import all_policies
from stacks.names import METASTORE, parse_stack_id
from tests.footprint import Synthesized, reference


@pytest.fixture(params=["dev", "prod"])
def synth(request: pytest.FixtureRequest, synthesized: dict[str, Synthesized]) -> Synthesized:
    return synthesized[request.param]


def _statements(text: str) -> list[dict[str, Any]]:
    return json.loads(text)["Statement"]


def _env_data(name: str = "dev") -> dict[str, Any]:
    return yaml.safe_load((REPO / "environments" / f"{name}.yaml").read_text())


def _synth(tmp_path: Path, env: Environment) -> Synthesized:
    from cdktn import App

    from stacks.app import APP_CONTEXT, build_footprint

    app = App(outdir=str(tmp_path), context=APP_CONTEXT)
    build_footprint(app, env, backend="local")
    app.synth()
    return Synthesized.load(tmp_path)


def test_unity_catalog_role_trusts_itself_through_the_account_root(synth: Synthesized) -> None:
    """IAM refuses a trust policy naming the role's own ARN before the role exists; the provider's
    databricks_aws_unity_catalog_assume_role_policy trusts the account root with ArnLike
    aws:PrincipalArn and the storage credential's external ID, the credential created first
    (https://registry.terraform.io/providers/databricks/databricks/latest/docs/data-sources/aws_unity_catalog_assume_role_policy,
    https://github.com/databrickslabs/ucx/issues/2269)."""
    assert not [name for name in synth.resources("foundation", "aws_iam_role") if "uc-role" in name]
    _, role = synth.one("workspace", "aws_iam_role", "catalog_role")
    credential_name, credential = synth.one("workspace", "databricks_storage_credential")
    own_arn = credential["aws_iam_role"]["role_arn"]
    assert own_arn.endswith(f":role/{role['name']}")
    statements = _statements(role["assume_role_policy"])
    assert all(own_arn not in json.dumps(s["Principal"]) for s in statements)
    [self_assume] = [s for s in statements if s["Principal"]["AWS"].endswith(":root")]
    assert self_assume["Condition"]["ArnLike"] == {"aws:PrincipalArn": own_arn}
    external_ids = {s["Condition"]["StringEquals"]["sts:ExternalId"] for s in statements}
    assert external_ids == {
        f"${{databricks_storage_credential.{credential_name}.aws_iam_role[0].external_id}}"
    }
    _, location = synth.one("workspace", "databricks_external_location")
    [policy_name] = [n for n in synth.resources("workspace", "aws_iam_role_policy") if "catalog_role" in n]
    assert location["depends_on"] == [f"aws_iam_role_policy.{policy_name}"]


def test_storage_key_names_the_cross_account_role_by_reference(synth: Synthesized) -> None:
    """KMS refuses a key policy whose principal does not exist yet; a reference makes Terraform create
    the role first (https://repost.aws/knowledge-center/kms-policy-error-invalid-principals)."""
    _, key = synth.one("foundation", "aws_kms_key", "workspace-storage")
    [volumes] = [s for s in _statements(key["policy"]) if s["Sid"] == "DatabricksClusterVolumes"]
    kind, name, attribute = reference(volumes["Principal"]["AWS"])
    assert (kind, attribute) == ("aws_iam_role", "arn") and name.startswith("cross-account_role")


def test_workspace_url_name_only_when_configured(synth: Synthesized) -> None:
    """deployment_name fails unless Databricks has set the account's deployment-name prefix
    (https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/mws_workspaces)."""
    _, workspace = synth.one("account", "databricks_mws_workspaces")
    assert "deployment_name" not in workspace


def test_public_front_end_keeps_public_access_behind_the_ip_access_list(synth: Synthesized) -> None:
    """With only back-end endpoints, public_access_enabled = false locks the provider and later stacks
    out of the new workspace; the hybrid design keeps public access behind an IP access list
    (https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/mws_private_access_settings)."""
    _, pas = synth.one("account", "databricks_mws_private_access_settings")
    assert pas["public_access_enabled"] is True and pas["private_access_level"] == "ENDPOINT"
    [allowed] = pas["allowed_vpc_endpoint_ids"]
    assert "rest-endpoint" in reference(allowed)[1]
    _, access_list = synth.one("workspace", "databricks_ip_access_list")
    assert access_list["list_type"] == "ALLOW" and access_list["enabled"] is True


def test_private_front_end_registers_and_allows_the_transit_endpoint(
    tmp_path: Path, dev_env: Environment
) -> None:
    """public_access_enabled = false needs the front-end PrivateLink endpoint registered and allowed
    (https://docs.databricks.com/api/account/privateaccess/create); deployment_name is passed when set."""
    workspace = dev_env.workspace.model_copy(
        update={
            "front_end": FrontEnd.PRIVATE_LINK,
            "transit_vpc_endpoint_id": "vpce-0123456789abcdef0",
            "deployment_name": "lakeward-dev",
        }
    )
    synth = _synth(tmp_path, dev_env.model_copy(update={"workspace": workspace}))
    pas_name, pas = synth.one("account", "databricks_mws_private_access_settings")
    assert pas["public_access_enabled"] is False
    settings = Resource("databricks_mws_private_access_settings", pas_name, pas, synth.stack("account"))
    assert not [p.id for p in all_policies() if p.evaluate(settings)], "the private design scans clean"
    endpoints = synth.resources("account", "databricks_mws_vpc_endpoint")
    [front_end] = [body for name, body in endpoints.items() if "front-end" in name]
    assert front_end["aws_vpc_endpoint_id"] == "vpce-0123456789abcdef0"
    allowed = {reference(value)[1] for value in pas["allowed_vpc_endpoint_ids"]}
    assert any("front-end" in name for name in allowed) and any("rest-endpoint" in name for name in allowed)
    _, workspace_body = synth.one("account", "databricks_mws_workspaces")
    assert workspace_body["deployment_name"] == "lakeward-dev"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"front_end": "private_link"}, "workspace"),
        ({"transit_vpc_endpoint_id": "vpce-0123456789abcdef0"}, "workspace"),
        ({"compliance_security_profile": True, "compliance_standards": ["SOC2"]}, "workspace"),
        ({"compliance_standards": ["HIPAA"]}, "workspace"),
    ],
)
def test_front_end_and_compliance_combinations_are_validated(change: dict[str, Any], field: str) -> None:
    """Refused: private_link without its transit endpoint, a transit endpoint without private_link,
    SOC2 as a compliance standard (not in the API's ComplianceStandard enumeration,
    https://databricks.github.io/sdk-js/api/variables/_databricks_sdk-cleanrooms.v1.ComplianceStandard.html),
    standards without the profile."""
    data = _env_data()
    data["workspace"].update(change)
    with pytest.raises(LakewardError) as error:
        parse_environment(data, "dev.yaml")
    assert error.value.field is not None and error.value.field.startswith(field)


def test_prod_compliance_profile_lists_only_api_standards(prod: Synthesized) -> None:
    """(https://docs.databricks.com/api/workspace/compliancesecurityprofile/update)"""
    _, profile = prod.one("workspace", "databricks_compliance_security_profile_workspace_setting")
    assert profile["compliance_security_profile_workspace"]["compliance_standards"] == ["HIPAA"]


def test_one_metastore_per_region_created_once_and_assigned_per_workspace(
    dev: Synthesized, prod: Synthesized
) -> None:
    """An account holds one metastore per region; the second create is refused
    (https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/metastore_assignment)."""
    _, metastore = dev.one("metastore", "databricks_metastore")
    assert metastore["region"] == "us-east-1"
    assert set(dev.stack("metastore")["resource"]) == {"databricks_metastore"}
    assert not [name for name in prod.stacks if parse_stack_id(name).kind == METASTORE]
    for synth in (dev, prod):
        assert not synth.resources("account", "databricks_metastore")
        _, assignment = synth.one("account", "databricks_metastore_assignment")
        kind, _, attribute = reference(assignment["metastore_id"].replace("${data.", "${"))
        assert (kind, attribute) == ("databricks_metastore", "metastore_id")
        [lookup] = synth.stack("account")["data"]["databricks_metastore"].values()
        assert lookup["region"] == "us-east-1"


def test_two_environments_may_not_both_create_the_metastore(dev_env: Environment) -> None:
    other = dev_env.model_copy(update={"name": "staging"})
    with pytest.raises(LakewardError) as error:
        check_shared_singletons([dev_env, other], ["dev.yaml", "staging.yaml"])
    assert error.value.field == "metastore.create"


def test_log_delivery_filters_on_the_environments_workspace(synth: Synthesized) -> None:
    """Without workspace_ids_filter every environment receives the whole account's logs and takes one of
    the two undeletable account-level slots per log type
    (https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/mws_log_delivery)."""
    deliveries = synth.resources("account", "databricks_mws_log_delivery").values()
    assert {d["log_type"] for d in deliveries} == {"AUDIT_LOGS", "BILLABLE_USAGE"}
    for delivery in deliveries:
        [workspace_id] = delivery["workspace_ids_filter"]
        assert reference(workspace_id)[::2] == ("databricks_mws_workspaces", "workspace_id")


def test_gpu_policy_leaves_pool_attributes_and_tags_to_the_pool(synth: Synthesized) -> None:
    """A cluster may not set a custom tag key its pool sets
    (https://github.com/databricks/terraform-provider-databricks/pull/2242), nor
    aws_attributes.availability with an instance pool (https://github.com/databrickslabs/ucx/pull/1457)."""
    _, policy = synth.one("workspace", "databricks_cluster_policy", "gpu")
    _, pool = synth.one("workspace", "databricks_instance_pool")
    rules = json.loads(policy["definition"])
    assert rules["instance_pool_id"]["type"] == "fixed"
    assert pool["custom_tags"]["Owner"] and pool["custom_tags"]["CostCenter"]
    assert not {f"custom_tags.{key}" for key in pool["custom_tags"]} & set(rules)
    for key in POOL_OWNED:
        assert key not in rules
    assert rules["node_type_id"]["type"] == "forbidden"


def test_s3_endpoint_admits_what_classic_compute_needs(synth: Synthesized) -> None:
    """Classic compute writes the root bucket as Databricks' account and reads the regional Databricks
    buckets; the SRA's gateway endpoint policy admits both
    (https://github.com/databricks/terraform-databricks-sra, aws/tf/privatelink.tf)."""
    _, endpoint = synth.one("foundation", "aws_vpc_endpoint", "s3-endpoint")
    statements = {s["Sid"]: s for s in _statements(endpoint["policy"])}
    root = statements["DatabricksWorkspaceRoot"]
    assert root["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "414351767826"}}
    assert any(arn.endswith("-root-" + arn.split("-")[-1]) for arn in root["Resource"])
    assert "s3:PutObject" in statements["DatabricksLogBuckets"]["Action"]


def test_cross_account_role_has_the_restricted_policys_actions(synth: Synthesized) -> None:
    """The actions of databricks_aws_crossaccount_policy (policy_type restricted) that clusters need
    (https://registry.terraform.io/providers/databricks/databricks/latest/docs/data-sources/aws_crossaccount_policy)."""
    _, policy = synth.one("foundation", "aws_iam_role_policy", "cross-account")
    actions = {action for s in _statements(policy["policy"]) for action in s["Action"]}
    needed = {
        "ec2:AssignPrivateIpAddresses",
        "ec2:DescribeIamInstanceProfileAssociations",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeNatGateways",
        "ec2:DescribePrefixLists",
        "ec2:DescribeReservedInstancesOfferings",
        "ec2:GetSpotPlacementScores",
        "ec2:GetLaunchTemplateData",
        "ec2:ModifyFleet",
        "ec2:AssociateIamInstanceProfile",
        "ec2:DisassociateIamInstanceProfile",
        "ec2:ReplaceIamInstanceProfileAssociation",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
    }
    assert needed <= actions


def _acl_principals(body: dict[str, Any]) -> list[str]:
    if "principal" in body:
        return [body["principal"]]
    return [block.get("group_name") or "" for block in body["access_control"] if block.get("group_name")]


def test_workspace_acls_wait_for_their_groups_assignment(synth: Synthesized) -> None:
    """In an identity-federated workspace a group must be assigned to the workspace before an ACL names
    it (https://github.com/databricks/terraform-provider-databricks/issues/1458); the platform's and each
    tenant's ACLs depend on the assignments."""
    for stack_name, document in synth.stacks.items():
        resources = document.get("resource", {})
        assignments = {
            f"databricks_mws_permission_assignment.{n}"
            for n in resources.get("databricks_mws_permission_assignment", {})
        }
        groups = {
            body["display_name"] for body in document.get("data", {}).get("databricks_group", {}).values()
        }
        for kind in ("databricks_permissions", "databricks_secret_acl"):
            for name, body in resources.get(kind, {}).items():
                literal = [p for p in _acl_principals(body) if not p.startswith("${")]
                if not literal:
                    continue
                assert set(literal) <= groups, f"{stack_name} {name}: {literal} not looked up and assigned"
                assert assignments <= set(body.get("depends_on", [])), f"{stack_name} {name}"


def test_serving_endpoints_wait_for_their_registered_version(synth: Synthesized) -> None:
    """A served model version is registered at run time (https://github.com/databricks/mlops-stacks/issues/217):
    the endpoints live in the serving stack, after the workspace stack, and read the version first."""
    assert not synth.resources("workspace", "databricks_model_serving")
    serving = synth.stack("serving")
    versions = serving["data"]["databricks_registered_model_versions"]
    for body in serving["resource"]["databricks_model_serving"].values():
        [entity] = body["config"]["served_entities"]
        [read] = [n for n, v in versions.items() if v["full_name"] == entity["entity_name"]]
        assert f"data.databricks_registered_model_versions.{read}" in body["depends_on"]
        assert entity["entity_version"] in versions[read]["lifecycle"]["postcondition"][0]["condition"]
