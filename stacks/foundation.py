"""The AWS foundation of one environment. It needs no Databricks provider."""

from __future__ import annotations

from cdktn import TerraformOutput
from cdktn_provider_aws.provider import AwsProvider
from constructs import Construct

from infra.account.audit_logs import AUDIT_PREFIX
from infra.aws.encryption import EncryptionKeys
from infra.aws.iam import CrossAccountRole, LogDeliveryRole, UnityCatalogRole
from infra.aws.network import Network
from infra.aws.storage import SecureBucket
from infra.config import Environment
from infra.documents import role_arn
from stacks.base import Backend, LakewardStack


class FoundationStack(LakewardStack):
    """VPC, endpoints, keys, buckets and roles that the Databricks account stack builds on."""

    def __init__(self, scope: Construct, *, env: Environment, backend: Backend | None = None) -> None:
        super().__init__(scope, f"{env.prefix}-foundation", env=env, backend=backend)
        account = env.aws.account_id
        self.provider = AwsProvider(self, "aws", region=env.aws.region, allowed_account_ids=[account])
        names = {kind: f"{env.prefix}-{kind}-{account}" for kind in ("root", "uc", "logs")}
        arns = {kind: f"arn:aws:s3:::{name}" for kind, name in names.items()}

        self.logs = SecureBucket(
            self,
            "logs-bucket",
            bucket_name=names["logs"],
            kms_key=None,
            access_log_bucket=None,
            statements=_log_delivery_statements(
                arns["logs"], account, {kind: names[kind] for kind in ("root", "uc")}
            ),
            expire_after_days=env.network.flow_log_retention_days,
        )
        self.keys = EncryptionKeys(
            self, "keys", env=env, cross_account_role_arn=role_arn(account, f"{env.prefix}-cross-account")
        )
        self.network = Network(
            self, "network", env=env, bucket_arns=list(arns.values()), flow_log_bucket_arn=self.logs.arn
        )
        self.cross_account = CrossAccountRole(self, "cross-account", env=env, vpc_arn=self.network.vpc.arn)
        self.root = SecureBucket(
            self,
            "root-bucket",
            bucket_name=names["root"],
            kms_key=self.keys.storage,
            access_log_bucket=self.logs,
            statements=[_databricks_root_access(arns["root"], env)],
        )
        self.unity_catalog = SecureBucket(
            self,
            "uc-bucket",
            bucket_name=names["uc"],
            kms_key=self.keys.storage,
            access_log_bucket=self.logs,
        )
        self.uc_role = UnityCatalogRole(
            self, "uc-role", env=env, bucket_arn=self.unity_catalog.arn, kms_key_arn=self.keys.storage.arn
        )
        self.log_delivery = LogDeliveryRole(
            self, "log-delivery", env=env, bucket_arn=self.logs.arn, prefix=AUDIT_PREFIX
        )
        for name, value in (
            ("vpc_id", self.network.vpc.id),
            ("cross_account_role_arn", self.cross_account.role.arn),
            ("root_bucket", self.root.name),
            ("unity_catalog_bucket", self.unity_catalog.name),
            ("storage_key_arn", self.keys.storage.arn),
        ):
            TerraformOutput(self, name, value=value)


def _databricks_root_access(bucket_arn: str, env: Environment) -> dict:
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
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"StringEquals": {"aws:PrincipalTag/DatabricksAccountId": [env.databricks.account_id]}},
    }


def _log_delivery_statements(bucket_arn: str, account: str, sources: dict[str, str]) -> list[dict]:
    """S3 server access logs from each source bucket into its own prefix (as AWS documents it, and
    what S3 checks when logging is switched on), VPC flow logs into theirs."""
    same_account = {"StringEquals": {"aws:SourceAccount": account}}
    access_logs = [
        {
            "Sid": f"S3ServerAccessLogs{kind.capitalize()}",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/s3-access/{name}/*",
            "Condition": {**same_account, "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{name}"}},
        }
        for kind, name in sources.items()
    ]
    return [
        *access_logs,
        {
            "Sid": "VpcFlowLogsWrite",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/vpc-flow-logs/*",
            "Condition": same_account,
        },
        {
            "Sid": "VpcFlowLogsCheck",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
            "Resource": bucket_arn,
            "Condition": same_account,
        },
    ]
