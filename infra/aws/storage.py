"""S3 buckets that are private, versioned, encrypted, TLS-only and access-logged by construction, the
environment's bucket names, and the policy statements of its root and log buckets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn_provider_aws.kms_key import KmsKey
from cdktn_provider_aws.s3_bucket import S3Bucket
from cdktn_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktn_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktn_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktn_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktn_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktn_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktn_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from infra.config import Environment
from infra.documents import deny_insecure_transport, policy


def bucket_arn(name: str) -> str:
    """A bucket's ARN from its name, for policies that must name a bucket before it exists."""
    return f"arn:aws:s3:::{name}"


@dataclass(frozen=True)
class BucketNames:
    """The environment's bucket names, known before any bucket exists: the log bucket's policy and the
    S3 endpoint's policy name buckets that are created after them."""

    root: str
    unity_catalog: str
    logs: str

    @classmethod
    def of(cls, env: Environment) -> BucketNames:
        prefix, account = env.prefix, env.aws.account_id
        return cls(*(f"{prefix}-{kind}-{account}" for kind in ("root", "uc", "logs")))

    def arns(self) -> list[str]:
        return [bucket_arn(name) for name in (self.root, self.unity_catalog, self.logs)]


def databricks_root_access(env: Environment, bucket_name: str) -> dict[str, Any]:
    """The statement that lets this environment's Databricks account use the workspace root bucket."""
    arn = bucket_arn(bucket_name)
    return {
        "Sid": "DatabricksWorkspaceRoot",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{env.databricks.aws_principal_account}:root"},
        "Action": [
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:ListBucket",
            "s3:GetBucketLocation",
        ],
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"StringEquals": {"aws:PrincipalTag/DatabricksAccountId": [env.databricks.account_id]}},
    }


def log_delivery_statements(env: Environment, names: BucketNames) -> list[dict[str, Any]]:
    """What the log bucket admits: S3 server access logs from the root and catalog buckets, each into
    its own prefix (as AWS documents it, and what S3 checks when logging is switched on), and VPC flow
    logs into theirs."""
    arn = bucket_arn(names.logs)
    same_account = {"StringEquals": {"aws:SourceAccount": env.aws.account_id}}
    access_logs = [
        {
            "Sid": f"S3ServerAccessLogs{kind.capitalize()}",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{arn}/s3-access/{name}/*",
            "Condition": {**same_account, "ArnLike": {"aws:SourceArn": bucket_arn(name)}},
        }
        for kind, name in (("root", names.root), ("uc", names.unity_catalog))
    ]
    return [
        *access_logs,
        {
            "Sid": "VpcFlowLogsWrite",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{arn}/vpc-flow-logs/*",
            "Condition": same_account,
        },
        {
            "Sid": "VpcFlowLogsCheck",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
            "Resource": arn,
            "Condition": same_account,
        },
    ]


class SecureBucket(Construct):
    """A bucket with every guard on. `kms_key=None` means SSE-S3, which only the access-log bucket uses
    (S3 server access logging cannot deliver to an SSE-KMS bucket)."""

    policy: S3BucketPolicy

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bucket_name: str,
        kms_key: KmsKey | None,
        access_log_bucket: SecureBucket | None,
        statements: list[dict[str, Any]] | None = None,
        expire_after_days: int | None = None,
        noncurrent_days: int = 90,
    ) -> None:
        super().__init__(scope, id_)
        self.bucket = S3Bucket(
            self, "bucket", bucket=bucket_name, force_destroy=False, tags={"Name": bucket_name}
        )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=self.bucket.id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        default = S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
            sse_algorithm="aws:kms" if kms_key else "AES256",
            kms_master_key_id=kms_key.arn if kms_key else None,
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=default, bucket_key_enabled=kms_key is not None
                )
            ],
        )
        if access_log_bucket:
            S3BucketLoggingA(
                self,
                "logging",
                bucket=self.bucket.id,
                target_bucket=access_log_bucket.name,
                target_prefix=f"s3-access/{bucket_name}/",
                # S3 refuses to switch logging on until the target's policy admits the logging service.
                depends_on=[access_log_bucket.policy],
            )
        self.policy = S3BucketPolicy(
            self,
            "policy",
            bucket=self.bucket.id,
            policy=policy(deny_insecure_transport(self.bucket.arn), *(statements or [])),
        )
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=self.bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="retention",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=7
                        )
                    ],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=noncurrent_days
                        )
                    ],
                    expiration=(
                        [S3BucketLifecycleConfigurationRuleExpiration(days=expire_after_days)]
                        if expire_after_days
                        else None
                    ),
                )
            ],
        )
