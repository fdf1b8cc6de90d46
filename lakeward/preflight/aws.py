"""AWS preflight checks through boto3: account, region, PrivateLink services, state bucket, GPU quota.

Every call is a read (sts:GetCallerIdentity, ec2:Describe*, s3:GetBucket*/ListBucket,
servicequotas:GetServiceQuota). boto3 finds credentials, and an endpoint such as AWS_ENDPOINT_URL, the
usual way.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.config import Environment
from lakeward.errors import LakewardError
from lakeward.preflight.checks import Check, Status
from lakeward.preflight.gpu_capacity import GPU_VCPUS, QUOTA_SOURCE, VCPU_SOURCE, quota_for

PRIVATELINK_SOURCE = "https://docs.databricks.com/en/security/network/classic/privatelink.html"
LOCKING_SOURCE = "https://developer.hashicorp.com/terraform/language/backend/s3"


def aws_session() -> Any:
    """A boto3 session with credentials, or `LakewardError` naming the variables to set."""
    session = boto3.Session()
    if session.get_credentials() is None:
        raise LakewardError(
            "no AWS credentials found",
            field="AWS_PROFILE / AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY",
            fix="export AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for the deploying "
            "identity of the environment's AWS account",
        )
    return session


def aws_checks(env: Environment, session: Any) -> list[Check]:
    """Run every AWS check; when the credentials belong to another account, the rest are not evaluated."""
    account = caller_account(env, session)
    if account.status is not Status.OK:
        skipped = "not evaluated: the credentials do not belong to the environment's AWS account"
        return [account] + [
            Check(check_id, title, Status.NOT_EVALUATED, skipped)
            for check_id, title in (
                ("aws.region", "region enabled"),
                ("aws.privatelink", "Databricks PrivateLink services"),
                ("aws.state_bucket", "Terraform state bucket"),
                ("aws.gpu_quota", "GPU instance quota"),
            )
        ]
    return [
        account,
        region_enabled(env, session),
        *privatelink_services(env, session),
        state_bucket(env, session),
        gpu_quota(env, session),
    ]


def _error(exc: ClientError | BotoCoreError) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    return str(exc)


def caller_account(env: Environment, session: Any) -> Check:
    title = "AWS account of the credentials"
    try:
        identity = session.client("sts", region_name=env.aws.region).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        return Check(
            "aws.account",
            title,
            Status.BLOCKER,
            f"sts:GetCallerIdentity failed ({_error(exc)})",
            "check the AWS credentials: they are expired, revoked or for another partition",
        )
    found = f"{identity['Arn']} in account {identity['Account']}"
    if identity["Account"] != env.aws.account_id:
        return Check(
            "aws.account",
            title,
            Status.BLOCKER,
            found,
            f"use credentials of account {env.aws.account_id} (aws.account_id), or correct aws.account_id",
        )
    return Check("aws.account", title, Status.OK, found)


def region_enabled(env: Environment, session: Any) -> Check:
    title = f"region {env.aws.region} enabled"
    try:
        regions = session.client("ec2", region_name=env.aws.region).describe_regions(
            RegionNames=[env.aws.region]
        )["Regions"]
    except (ClientError, BotoCoreError) as exc:
        return Check(
            "aws.region",
            title,
            Status.BLOCKER,
            f"ec2:DescribeRegions failed ({_error(exc)})",
            "allow ec2:DescribeRegions, or check that aws.region is a region of this partition",
        )
    status = regions[0].get("OptInStatus", "opt-in-not-required") if regions else "unknown"
    if status == "not-opted-in":
        return Check(
            "aws.region",
            title,
            Status.BLOCKER,
            f"{env.aws.region} is not enabled for the account ({status})",
            f"enable {env.aws.region} under Account > AWS Regions, or pick another aws.region",
        )
    return Check("aws.region", title, Status.OK, f"{env.aws.region}: {status}")


def privatelink_services(env: Environment, session: Any) -> list[Check]:
    """One check per configured Databricks endpoint service: it must be visible in the region."""
    ec2 = session.client("ec2", region_name=env.aws.region)
    services = env.databricks.privatelink
    return [
        _endpoint_service(ec2, f"databricks.privatelink.{role}", name, env.aws.region)
        for role, name in (("workspace", services.workspace), ("relay", services.relay))
    ]


def _endpoint_service(ec2: Any, field: str, name: str, region: str) -> Check:
    check_id = f"aws.privatelink.{field.rsplit('.', 1)[1]}"
    title = f"PrivateLink service {field}"
    try:
        details = ec2.describe_vpc_endpoint_services(ServiceNames=[name])["ServiceDetails"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "InvalidServiceName":
            return Check(
                check_id,
                title,
                Status.BLOCKER,
                f"{name} does not exist in {region}",
                f"set {field} to the Databricks {region} service name from the regional table",
                PRIVATELINK_SOURCE,
            )
        return Check(
            check_id,
            title,
            Status.BLOCKER,
            f"ec2:DescribeVpcEndpointServices failed ({_error(exc)})",
            "allow ec2:DescribeVpcEndpointServices for the deploying identity",
        )
    except BotoCoreError as exc:
        return Check(check_id, title, Status.NOT_EVALUATED, f"not evaluated: {exc}")
    types = ", ".join(t["ServiceType"] for d in details for t in d.get("ServiceType", []))
    return Check(check_id, title, Status.OK, f"{name} is visible in {region} ({types or 'type unknown'})")


def state_bucket(env: Environment, session: Any) -> Check:
    """The S3 backend's bucket: it exists, keeps versions and encrypts by default."""
    title = "Terraform state bucket"
    state = env.state
    if state.backend != "s3" or not state.bucket:
        return Check("aws.state_bucket", title, Status.NOT_EVALUATED, "not evaluated: state.backend is local")
    s3 = session.client("s3", region_name=state.region or env.aws.region)
    bucket = state.bucket
    try:
        s3.head_bucket(Bucket=bucket)
        versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status", "never enabled")
        encryption = _default_encryption(s3, bucket)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code"))
        if code in {"404", "NoSuchBucket"}:
            return Check(
                "aws.state_bucket",
                title,
                Status.BLOCKER,
                f"s3://{bucket} does not exist",
                f"create s3://{bucket} in {state.region} with versioning and default encryption, "
                "or correct state.bucket",
            )
        return Check(
            "aws.state_bucket",
            title,
            Status.BLOCKER,
            f"s3://{bucket} cannot be read ({_error(exc)})",
            "allow s3:ListBucket, s3:GetBucketVersioning and s3:GetEncryptionConfiguration on the bucket",
        )
    lock = f"locking: S3 lock file beside each state key (use_lockfile, Terraform >= 1.10); {LOCKING_SOURCE}"
    found = f"s3://{bucket}: versioning {versioning}, default encryption {encryption or 'none'}; {lock}"
    problems = []
    if versioning != "Enabled":
        problems.append(f"enable versioning on s3://{bucket} (earlier states are the only undo)")
    if not encryption:
        problems.append(f"set default encryption on s3://{bucket} (SSE-KMS with {state.kms_key_id})")
    if problems:
        return Check("aws.state_bucket", title, Status.BLOCKER, found, "; ".join(problems))
    return Check("aws.state_bucket", title, Status.OK, found)


def _default_encryption(s3: Any, bucket: str) -> str | None:
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ServerSideEncryptionConfigurationNotFoundError":
            return None
        raise
    algorithms = [rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for rule in rules]
    return ", ".join(algorithms) or None


def gpu_quota(env: Environment, session: Any) -> Check:
    """The On-Demand vCPU quota of the GPU family must hold the pool at its maximum."""
    node_type = env.gpu.node_type
    quota = quota_for(node_type)
    title = f"GPU quota {quota.code} ({quota.name})"
    vcpus = GPU_VCPUS.get(node_type)
    if vcpus is None:
        return Check(
            "aws.gpu_quota",
            title,
            Status.NOT_EVALUATED,
            f"not evaluated: {node_type} is not in the vCPU table",
            f"add {node_type} and its vCPUs to lakeward/preflight/gpu_capacity.py",
            VCPU_SOURCE,
        )
    needed = env.gpu.max_capacity * vcpus
    client = session.client("service-quotas", region_name=env.aws.region)
    try:
        value = client.get_service_quota(ServiceCode="ec2", QuotaCode=quota.code)["Quota"]["Value"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchResourceException":
            return Check(
                "aws.gpu_quota",
                title,
                Status.NOT_EVALUATED,
                f"not evaluated: Service Quotas has no ec2/{quota.code} in {env.aws.region} ({_error(exc)})",
                f"read '{quota.name}' in the Service Quotas console: it must be {needed} vCPUs or more",
                QUOTA_SOURCE,
            )
        return Check(
            "aws.gpu_quota",
            title,
            Status.BLOCKER,
            f"servicequotas:GetServiceQuota failed ({_error(exc)})",
            "allow servicequotas:GetServiceQuota for the deploying identity",
            QUOTA_SOURCE,
        )
    found = (
        f"quota {value:g} vCPUs; the GPU pool needs {needed} "
        f"({env.gpu.max_capacity} x {node_type} of {vcpus} vCPUs)"
    )
    if value < needed:
        return Check(
            "aws.gpu_quota",
            title,
            Status.BLOCKER,
            found,
            f"request '{quota.name}' of {needed} vCPUs or more in {env.aws.region} (Service Quotas), "
            "or lower gpu.max_capacity",
            QUOTA_SOURCE,
        )
    return Check("aws.gpu_quota", title, Status.OK, found, source=QUOTA_SOURCE)
