"""Customer-managed KMS keys with rotation: one for managed services, one for workspace storage."""

from __future__ import annotations

from cdktn_provider_aws.kms_alias import KmsAlias
from cdktn_provider_aws.kms_key import KmsKey
from constructs import Construct

from infra.config import Environment
from infra.documents import policy


class EncryptionKeys(Construct):
    """The two keys a Databricks workspace encrypts with; the key policies admit only what each needs."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment, cross_account_role_arn: str) -> None:
        super().__init__(scope, id_)
        account = env.aws.account_id
        databricks = env.databricks
        admin = {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
        databricks_use = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{databricks.aws_principal_account}:root"},
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/DatabricksAccountId": [databricks.account_id]}},
        }
        managed = {
            **databricks_use,
            "Sid": "DatabricksManagedServices",
            "Action": ["kms:Encrypt", "kms:Decrypt"],
        }
        storage = {
            **databricks_use,
            "Sid": "DatabricksWorkspaceStorage",
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey",
            ],
        }
        ebs = {
            "Sid": "DatabricksClusterVolumes",
            "Effect": "Allow",
            "Principal": {"AWS": cross_account_role_arn},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {"ForAnyValue:StringLike": {"kms:ViaService": "ec2.*.amazonaws.com"}},
        }
        services = {
            "Sid": "AwsLogDelivery",
            "Effect": "Allow",
            "Principal": {"Service": ["delivery.logs.amazonaws.com", "logging.s3.amazonaws.com"]},
            "Action": ["kms:Encrypt", "kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        }
        self.managed_services, self.managed_services_alias = self._key(
            env, "managed-services", policy(admin, managed)
        )
        self.storage, self.storage_alias = self._key(
            env, "workspace-storage", policy(admin, storage, ebs, services)
        )
        self.managed_services_arn, self.storage_arn = self.managed_services.arn, self.storage.arn

    def _key(self, env: Environment, purpose: str, document: str) -> tuple[KmsKey, str]:
        """The key and its alias name."""
        key = KmsKey(
            self,
            purpose,
            description=f"{env.prefix} {purpose}",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            policy=document,
            tags={"Name": f"{env.prefix}-{purpose}"},
        )
        alias = f"alias/{env.prefix}-{purpose}"
        KmsAlias(self, f"{purpose}-alias", name=alias, target_key_id=key.key_id)
        return key, alias
