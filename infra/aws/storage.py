"""S3 buckets that are private, versioned, encrypted, TLS-only and access-logged by construction."""

from __future__ import annotations

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

from infra.documents import deny_insecure_transport, policy


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
