"""Each verification check passes on a compliant object and fails, naming it, on a misconfigured one.
Objects are made with boto3 on the (patched) moto server; the inventory names them as a state would."""

from __future__ import annotations

import json
from typing import Any

from lakeward.rehearsal.checks import Context, Deployed, Expectations, run_checks
from tests.rehearsal.conftest import ACCOUNT, REGION

EXTERNAL_ID = "00000000-0000-4000-8000-000000000001"
EXPECTED = Expectations(ACCOUNT, EXTERNAL_ID, {"workspace": "com.amazonaws.vpce.us-east-1.vpce-svc-1"})


def _context(endpoint: str, **objects: list[dict[str, Any]]) -> Context:
    return Context(Deployed(objects=objects), EXPECTED, endpoint, REGION)


def _one(ctx: Context, name: str) -> tuple[bool, str]:
    (result,) = run_checks(ctx, [name])
    return result.ok, result.detail


def _tls_only(bucket: str) -> str:
    arn = f"arn:aws:s3:::{bucket}"
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_bucket_checks(endpoint: str, aws: Any) -> None:
    s3, kms = aws("s3"), aws("kms")
    key = kms.create_key()["KeyMetadata"]
    for bucket in ("good", "bare"):
        s3.create_bucket(Bucket=bucket)
    s3.put_public_access_block(
        Bucket="good",
        PublicAccessBlockConfiguration=dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
        ),
    )
    s3.put_bucket_versioning(Bucket="good", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket="good",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key["Arn"],
                    }
                }
            ]
        },
    )
    s3.put_bucket_policy(Bucket="good", Policy=_tls_only("good"))
    keys = [{"arn": key["Arn"], "key_id": key["KeyId"]}]
    good = _context(endpoint, aws_s3_bucket=[{"bucket": "good"}], aws_kms_key=keys)
    bare = _context(endpoint, aws_s3_bucket=[{"bucket": "good"}, {"bucket": "bare"}], aws_kms_key=keys)
    for name in ("public_access_blocked", "bucket_versioning", "bucket_encryption_kms", "bucket_tls_only"):
        assert _one(good, name)[0], name
        ok, detail = _one(bare, name)
        assert not ok and detail.startswith("bare:") and "good" not in detail, (name, detail)


def test_kms_rotation(endpoint: str, aws: Any) -> None:
    kms = aws("kms")
    rotating, still = kms.create_key()["KeyMetadata"]["KeyId"], kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotating)
    assert _one(_context(endpoint, aws_kms_key=[{"key_id": rotating}]), "kms_key_rotation")[0]
    ok, detail = _one(
        _context(endpoint, aws_kms_key=[{"key_id": rotating}, {"key_id": still}]), "kms_key_rotation"
    )
    assert not ok and detail == f"{still}: rotation off"


def _trust(condition: dict | None) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::414351767826:root"},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_cross_account_roles_must_require_the_external_id(endpoint: str, aws: Any) -> None:
    iam = aws("iam")
    iam.create_role(
        RoleName="guarded", AssumeRolePolicyDocument=_trust({"StringEquals": {"sts:ExternalId": EXTERNAL_ID}})
    )
    iam.create_role(RoleName="open", AssumeRolePolicyDocument=_trust(None))
    iam.create_role(
        RoleName="other-id", AssumeRolePolicyDocument=_trust({"StringEquals": {"sts:ExternalId": "x"}})
    )
    assert _one(_context(endpoint, aws_iam_role=[{"name": "guarded"}]), "cross_account_external_id")[0]
    for role in ("open", "other-id"):
        ok, detail = _one(
            _context(endpoint, aws_iam_role=[{"name": "guarded"}, {"name": role}]),
            "cross_account_external_id",
        )
        assert not ok and detail.startswith(f"{role}: trusts arn:aws:iam::414351767826:root"), detail


def test_network_checks(endpoint: str, aws: Any) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    ctx = _context(endpoint, aws_vpc=[{"id": vpc}])
    assert not _one(ctx, "flow_logs_enabled")[0]
    assert _one(ctx, "privatelink_endpoints") == (
        False,
        f"workspace: no endpoint for com.amazonaws.vpce.us-east-1.vpce-svc-1 in {vpc}",
    )
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName="com.amazonaws.vpce.us-east-1.vpce-svc-1",
        VpcEndpointType="Interface",
        SubnetIds=subnets,
    )
    ok, detail = _one(ctx, "privatelink_endpoints")
    assert ok and "us-east-1a, us-east-1b" in detail
    assert _one(ctx, "no_open_ingress")[0] and _one(ctx, "no_internet_gateway")[0]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    assert _one(ctx, "no_open_ingress") == (False, f"{group} (web): 0.0.0.0/0 on 22-22")
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    assert _one(ctx, "no_internet_gateway") == (False, f"{gateway} attached")


def test_a_check_with_nothing_to_check_fails_instead_of_passing(endpoint: str) -> None:
    results = run_checks(_context(endpoint))
    assert len(results) >= 8 and not any(result.ok for result in results)
    assert all("the stack deployed no" in result.detail for result in results)
