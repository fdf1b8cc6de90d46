"""The emulator fixes: each call below fails (or comes back incomplete) on unpatched moto 5.2."""

from __future__ import annotations

import json
from typing import Any


def test_logging_into_a_bucket_whose_policy_has_a_star_principal(aws: Any) -> None:
    s3 = aws("s3")
    for bucket in ("fix-logs", "fix-source"):
        s3.create_bucket(Bucket=bucket)
    statements = [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::fix-logs/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::fix-logs/access/*",
        },
    ]
    s3.put_bucket_policy(
        Bucket="fix-logs", Policy=json.dumps({"Version": "2012-10-17", "Statement": statements})
    )
    s3.put_bucket_logging(
        Bucket="fix-source",
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "fix-logs", "TargetPrefix": "access/"}},
    )
    assert s3.get_bucket_logging(Bucket="fix-source")["LoggingEnabled"]["TargetBucket"] == "fix-logs"


def test_flow_logs_into_a_bucket_folder(aws: Any) -> None:
    aws("s3").create_bucket(Bucket="fix-flow")
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    response = ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::fix-flow/vpc-flow-logs/",
    )
    assert response["Unsuccessful"] == []
    (flow_log,) = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc]}])["FlowLogs"]
    assert flow_log["LogDestination"] == "arn:aws:s3:::fix-flow/vpc-flow-logs/"


def test_key_rotation_period_is_kept(aws: Any) -> None:
    kms = aws("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
    status = kms.get_key_rotation_status(KeyId=key)
    assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 180


def test_rules_referencing_a_group_keep_their_description(aws: Any) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="nodes", Description="nodes", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "UserIdGroupPairs": [{"GroupId": group, "Description": "nodes talk"}],
            }
        ],
    )
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])[
        "SecurityGroupRules"
    ]
    assert [rule.get("Description") for rule in rules if not rule["IsEgress"]] == ["nodes talk"]
