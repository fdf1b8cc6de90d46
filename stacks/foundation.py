"""The AWS foundation of one environment. It needs no Databricks provider."""

from __future__ import annotations

from cdktn import TerraformOutput
from cdktn_provider_aws.provider import AwsProvider
from constructs import Construct

from infra.account.audit_logs import AUDIT_PREFIX
from infra.aws.encryption import EncryptionKeys
from infra.aws.iam import CrossAccountRole, LogDeliveryRole
from infra.aws.network import Network
from infra.aws.storage import (
    BucketNames,
    SecureBucket,
    bucket_arn,
    databricks_root_access,
    log_delivery_statements,
)
from infra.config import Environment
from stacks import outputs
from stacks.base import Backend, LakewardStack
from stacks.names import FOUNDATION, stack_id


class FoundationStack(LakewardStack):
    """VPC, endpoints, keys, buckets and roles that the Databricks account stack builds on (the Unity
    Catalog role is the workspace stack's: it trusts the storage credential created there)."""

    def __init__(self, scope: Construct, *, env: Environment, backend: Backend | None = None) -> None:
        super().__init__(scope, stack_id(env.name, FOUNDATION), env=env, backend=backend)
        self.provider = AwsProvider(
            self, "aws", region=env.aws.region, allowed_account_ids=[env.aws.account_id]
        )
        names = BucketNames.of(env)
        self.logs = SecureBucket(
            self,
            "logs-bucket",
            bucket_name=names.logs,
            kms_key=None,
            access_log_bucket=None,
            statements=log_delivery_statements(env, names),
            expire_after_days=env.network.flow_log_retention_days,
        )
        self.network = Network(
            self,
            "network",
            env=env,
            bucket_arns=names.arns(),
            root_bucket_arn=bucket_arn(names.root),
            flow_log_bucket_arn=self.logs.arn,
        )
        self.cross_account = CrossAccountRole(self, "cross-account", env=env, vpc_arn=self.network.vpc_arn)
        # The reference orders the key after the role: KMS refuses a key policy naming a missing role.
        self.keys = EncryptionKeys(self, "keys", env=env, cross_account_role_arn=self.cross_account.arn)
        self.root = SecureBucket(
            self,
            "root-bucket",
            bucket_name=names.root,
            kms_key=self.keys.storage,
            access_log_bucket=self.logs,
            statements=[databricks_root_access(env, names.root)],
        )
        self.unity_catalog = SecureBucket(
            self,
            "uc-bucket",
            bucket_name=names.unity_catalog,
            kms_key=self.keys.storage,
            access_log_bucket=self.logs,
        )
        self.log_delivery = LogDeliveryRole(
            self, "log-delivery", env=env, bucket_arn=self.logs.arn, prefix=AUDIT_PREFIX
        )
        for name, value in (
            (outputs.VPC_ID, self.network.vpc_id),
            (outputs.CROSS_ACCOUNT_ROLE_ARN, self.cross_account.arn),
            (outputs.ROOT_BUCKET, self.root.name),
            (outputs.UNITY_CATALOG_BUCKET, self.unity_catalog.name),
            (outputs.STORAGE_KEY_ARN, self.keys.storage_arn),
        ):
            TerraformOutput(self, name, value=value)
