"""The AWS foundation's secure defaults, asserted on the synthesized Terraform JSON."""

from __future__ import annotations

import ipaddress

import pytest

from infra.config import Environment
from tests.footprint import Synthesized, policy_document, reference

ENVS = ["dev", "prod"]


@pytest.fixture(params=ENVS)
def case(
    request: pytest.FixtureRequest, synthesized: dict[str, Synthesized]
) -> tuple[Synthesized, Environment]:
    from infra.config import load_environment

    return synthesized[request.param], load_environment(request.param)


def test_foundation_needs_no_databricks_provider(case: tuple[Synthesized, Environment]) -> None:
    synth, _ = case
    stack = synth.stack("foundation")
    assert set(stack["terraform"]["required_providers"]) == {"aws"}
    assert not any(kind.startswith("databricks_") for kind in stack["resource"])


def test_private_subnets_in_two_or_more_zones_without_internet_gateway(
    case: tuple[Synthesized, Environment],
) -> None:
    synth, env = case
    resources = synth.stack("foundation")["resource"]
    for forbidden in (
        "aws_internet_gateway",
        "aws_nat_gateway",
        "aws_eip",
        "aws_egress_only_internet_gateway",
    ):
        assert forbidden not in resources
    subnets = resources["aws_subnet"].values()
    zones = {s["availability_zone"] for s in subnets if s["tags"]["Tier"] == "private"}
    assert zones == set(env.network.availability_zones) and len(zones) >= 2
    assert all(s["map_public_ip_on_launch"] is False for s in subnets)
    for table in resources["aws_route_table"].values():
        assert not table.get("route"), "the private route table has no route to the internet"


def test_security_groups_allow_only_intra_group_and_privatelink_ports(
    case: tuple[Synthesized, Environment],
) -> None:
    synth, _ = case
    resources = synth.stack("foundation")["resource"]
    rules = [
        *resources["aws_vpc_security_group_ingress_rule"].values(),
        *resources["aws_vpc_security_group_egress_rule"].values(),
    ]
    for rule in rules:
        assert "cidr_ipv4" not in rule and "cidr_ipv6" not in rule, rule
        assert rule.get("referenced_security_group_id") or rule.get("prefix_list_id")
    ingress_ports = {
        (rule["from_port"], rule["to_port"])
        for rule in resources["aws_vpc_security_group_ingress_rule"].values()
        if "endpoint-sg" in rule["security_group_id"]
    }
    assert ingress_ports == {(443, 443), (2443, 2443), (6666, 6666), (8443, 8451)}
    default_sg = next(iter(resources["aws_default_security_group"].values()))
    assert not default_sg.get("ingress") and not default_sg.get("egress")


def test_privatelink_and_aws_endpoints(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    endpoints = synth.resources("foundation", "aws_vpc_endpoint")
    by_service = {body["service_name"]: body for body in endpoints.values()}
    region = env.aws.region
    for service in (env.databricks.privatelink.workspace, env.databricks.privatelink.relay):
        body = by_service[service]
        assert body["vpc_endpoint_type"] == "Interface" and body["private_dns_enabled"] is True
        assert all("endpoint-" in subnet for subnet in body["subnet_ids"])
        assert len(body["subnet_ids"]) == len(env.network.availability_zones)
    s3 = by_service[f"com.amazonaws.{region}.s3"]
    assert s3["vpc_endpoint_type"] == "Gateway" and s3["route_table_ids"]
    for service in (
        f"com.amazonaws.{region}.s3",
        f"com.amazonaws.{region}.sts",
        f"com.amazonaws.{region}.kinesis-streams",
    ):
        statements = policy_document(by_service[service]["policy"])["Statement"]
        for statement in statements:
            assert statement["Effect"] == "Allow"
            open_principal = statement["Principal"] == "*"
            assert not open_principal or "Condition" in statement or statement["Action"] != "s3:*", statement
            assert statement["Resource"] != "*" or "Condition" in statement, statement


def test_keys_rotate_and_admit_only_databricks_account(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    keys = synth.resources("foundation", "aws_kms_key")
    assert len(keys) == 2
    for key in keys.values():
        assert key["enable_key_rotation"] is True
        assert key["deletion_window_in_days"] >= 7
        for statement in policy_document(key["policy"])["Statement"]:
            principal = statement["Principal"].get("AWS", "")
            if "414351767826" in str(principal) and principal.endswith(":root"):
                condition = statement["Condition"]["StringEquals"]["aws:PrincipalTag/DatabricksAccountId"]
                assert condition == [env.databricks.account_id]


def _bucket_parts(synth: Synthesized, name_part: str) -> dict[str, dict]:
    parts = {}
    for kind in (
        "aws_s3_bucket",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_logging",
        "aws_s3_bucket_ownership_controls",
    ):
        found = {n: r for n, r in synth.resources("foundation", kind).items() if n.startswith(name_part)}
        parts[kind] = next(iter(found.values())) if found else {}
    return parts


@pytest.mark.parametrize("bucket", ["root-bucket", "uc-bucket", "logs-bucket"])
def test_buckets_are_private_versioned_encrypted_tls_only(
    case: tuple[Synthesized, Environment], bucket: str
) -> None:
    synth, _ = case
    parts = _bucket_parts(synth, bucket)
    pab = parts["aws_s3_bucket_public_access_block"]
    assert all(
        pab[flag] is True
        for flag in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )
    assert parts["aws_s3_bucket_versioning"]["versioning_configuration"]["status"] == "Enabled"
    assert parts["aws_s3_bucket_ownership_controls"]["rule"]["object_ownership"] == "BucketOwnerEnforced"
    rule = parts["aws_s3_bucket_server_side_encryption_configuration"]["rule"][0]
    default = rule["apply_server_side_encryption_by_default"]
    if bucket == "logs-bucket":
        assert default["sse_algorithm"] == "AES256"  # S3 access logging cannot target SSE-KMS buckets
    else:
        assert default["sse_algorithm"] == "aws:kms"
        assert reference(default["kms_master_key_id"])[:2] == (
            "aws_kms_key",
            "keys_workspace-storage_C1C80E29",
        )
        assert parts["aws_s3_bucket_logging"]["target_bucket"].startswith("${aws_s3_bucket.logs-bucket")
    statements = policy_document(parts["aws_s3_bucket_policy"]["policy"])["Statement"]
    tls = [
        s for s in statements if s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert tls and tls[0]["Effect"] == "Deny" and tls[0]["Principal"] == "*" and tls[0]["Action"] == "s3:*"


def test_cross_account_role_requires_external_id_and_is_scoped_to_vpc(
    case: tuple[Synthesized, Environment],
) -> None:
    synth, env = case
    _, role = synth.one("foundation", "aws_iam_role", "cross-account")
    trust = policy_document(role["assume_role_policy"])["Statement"][0]
    assert trust["Condition"]["StringEquals"]["sts:ExternalId"] == env.databricks.account_id
    assert trust["Principal"]["AWS"] == "arn:aws:iam::414351767826:root"
    _, inline = synth.one("foundation", "aws_iam_role_policy", "cross-account")
    statements = {s["Sid"]: s for s in policy_document(inline["policy"])["Statement"]}
    vpc = statements["LaunchInThisVpc"]["Condition"]["StringEquals"]["ec2:vpc"]
    assert reference(vpc)[0] == "aws_vpc"
    assert all(s["Action"] != "*" and s["Action"] != "ec2:*" for s in statements.values())


def test_flow_logs_capture_all_traffic(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    _, flow = synth.one("foundation", "aws_flow_log")
    assert flow["traffic_type"] == "ALL"
    assert reference(flow["vpc_id"])[0] == "aws_vpc"
    assert flow["log_destination_type"] == "s3" and "logs-bucket" in flow["log_destination"]
    _, vpc = synth.one("foundation", "aws_vpc")
    assert ipaddress.ip_network(vpc["cidr_block"]) == env.network.vpc_cidr
