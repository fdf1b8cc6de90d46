"""IAM roles Databricks assumes: cross-account (compute), Unity Catalog storage, audit log delivery.

Each trust policy requires the Databricks account ID as external ID; each permission policy is scoped
to this environment's VPC, buckets and keys.
"""

from __future__ import annotations

from cdktn_provider_aws.iam_role import IamRole
from cdktn_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from infra.config import Environment
from infra.documents import policy, role_arn

# Databricks' Unity Catalog master role on commercial AWS (documented, fixed).
UC_MASTER_ROLE = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"


def _trust(principals: list[str], external_id: str) -> str:
    return policy(
        {
            "Sid": "DatabricksAssumesWithExternalId",
            "Effect": "Allow",
            "Principal": {"AWS": principals if len(principals) > 1 else principals[0]},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
        }
    )


class CrossAccountRole(Construct):
    """The role Databricks uses to launch cluster instances, limited to this environment's VPC.

    `role_arn` is known before the role exists (for key policies that name it); `arn` references the
    created role, so whatever uses it is created after the role.
    """

    def __init__(self, scope: Construct, id_: str, *, env: Environment, vpc_arn: str) -> None:
        super().__init__(scope, id_)
        self.role_name = f"{env.prefix}-cross-account"
        self.role_arn = role_arn(env.aws.account_id, self.role_name)
        region, account = env.aws.region, env.aws.account_id
        in_vpc = {"StringEquals": {"ec2:vpc": vpc_arn}}
        self.role = IamRole(
            self,
            "role",
            name=self.role_name,
            description="Databricks cross-account role (customer-managed VPC)",
            assume_role_policy=_trust(
                [f"arn:aws:iam::{env.databricks.aws_principal_account}:root"], env.databricks.account_id
            ),
            max_session_duration=3600,
        )
        self.arn = self.role.arn
        IamRolePolicy(
            self,
            "policy",
            name="databricks-compute",
            role=self.role.id,
            policy=policy(
                {
                    "Sid": "Describe",
                    "Effect": "Allow",
                    "Action": [
                        "ec2:DescribeAvailabilityZones",
                        "ec2:DescribeInstances",
                        "ec2:DescribeInstanceStatus",
                        "ec2:DescribeNetworkAcls",
                        "ec2:DescribeRouteTables",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSpotInstanceRequests",
                        "ec2:DescribeSpotPriceHistory",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVolumes",
                        "ec2:DescribeVpcAttribute",
                        "ec2:DescribeVpcs",
                        "ec2:DescribeFleetHistory",
                        "ec2:DescribeFleetInstances",
                        "ec2:DescribeFleets",
                        "ec2:DescribeLaunchTemplates",
                        "ec2:DescribeLaunchTemplateVersions",
                    ],
                    "Resource": "*",
                },
                {
                    "Sid": "LaunchInThisVpc",
                    "Effect": "Allow",
                    "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
                    "Resource": [
                        f"arn:aws:ec2:{region}:{account}:subnet/*",
                        f"arn:aws:ec2:{region}:{account}:security-group/*",
                    ],
                    "Condition": in_vpc,
                },
                {
                    "Sid": "LaunchResources",
                    "Effect": "Allow",
                    "Action": [
                        "ec2:RunInstances",
                        "ec2:CreateFleet",
                        "ec2:CreateLaunchTemplate",
                        "ec2:CreateLaunchTemplateVersion",
                        "ec2:CreateTags",
                        "ec2:CreateVolume",
                        "ec2:RequestSpotInstances",
                    ],
                    "Resource": [
                        f"arn:aws:ec2:{region}:{account}:instance/*",
                        f"arn:aws:ec2:{region}:{account}:volume/*",
                        f"arn:aws:ec2:{region}:{account}:network-interface/*",
                        f"arn:aws:ec2:{region}:{account}:launch-template/*",
                        f"arn:aws:ec2:{region}:{account}:fleet/*",
                        f"arn:aws:ec2:{region}:{account}:spot-instances-request/*",
                        f"arn:aws:ec2:{region}::image/*",
                    ],
                },
                {
                    "Sid": "ManageDatabricksTaggedInstances",
                    "Effect": "Allow",
                    "Action": [
                        "ec2:TerminateInstances",
                        "ec2:DeleteTags",
                        "ec2:AttachVolume",
                        "ec2:DetachVolume",
                        "ec2:DeleteVolume",
                        "ec2:CancelSpotInstanceRequests",
                        "ec2:DeleteLaunchTemplate",
                        "ec2:DeleteLaunchTemplateVersions",
                        "ec2:ModifyLaunchTemplate",
                        "ec2:DeleteFleets",
                    ],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"ec2:ResourceTag/Vendor": "Databricks"}},
                },
                {
                    "Sid": "SpotServiceLinkedRole",
                    "Effect": "Allow",
                    "Action": ["iam:CreateServiceLinkedRole", "iam:PutRolePolicy"],
                    "Resource": f"arn:aws:iam::{account}:role/aws-service-role/spot.amazonaws.com/"
                    "AWSServiceRoleForEC2Spot",
                    "Condition": {"StringLike": {"iam:AWSServiceName": "spot.amazonaws.com"}},
                },
            ),
        )


class UnityCatalogRole(Construct):
    """The storage credential role for the Unity Catalog bucket; it must also trust itself, so its
    policies name it by `role_arn`. Others use `arn`, the reference to the created role."""

    def __init__(
        self, scope: Construct, id_: str, *, env: Environment, bucket_arn: str, kms_key_arn: str
    ) -> None:
        super().__init__(scope, id_)
        self.role_name = f"{env.prefix}-unity-catalog"
        self.role_arn = role_arn(env.aws.account_id, self.role_name)
        self.role = IamRole(
            self,
            "role",
            name=self.role_name,
            description="Unity Catalog storage credential",
            assume_role_policy=_trust([UC_MASTER_ROLE, self.role_arn], env.databricks.account_id),
        )
        self.arn = self.role.arn
        IamRolePolicy(
            self,
            "policy",
            name="unity-catalog-storage",
            role=self.role.id,
            policy=policy(
                {
                    "Sid": "CatalogBucket",
                    "Effect": "Allow",
                    "Action": [
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:ListBucket",
                        "s3:GetBucketLocation",
                        "s3:GetLifecycleConfiguration",
                        "s3:PutLifecycleConfiguration",
                    ],
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                },
                {
                    "Sid": "CatalogKey",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
                    "Resource": [kms_key_arn],
                },
                {
                    "Sid": "SelfAssume",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": [self.role_arn],
                },
            ),
        )


class LogDeliveryRole(Construct):
    """The role Databricks uses to deliver audit and billable-usage logs into the log bucket."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment, bucket_arn: str, prefix: str) -> None:
        super().__init__(scope, id_)
        self.role_name = f"{env.prefix}-log-delivery"
        self.role = IamRole(
            self,
            "role",
            name=self.role_name,
            description="Databricks audit log delivery",
            assume_role_policy=_trust(
                [
                    f"arn:aws:iam::{env.databricks.aws_principal_account}:role/SaasUsageDeliveryRole-prod-"
                    "IAMRole-3PLHICCRR1TK"
                ],
                env.databricks.account_id,
            ),
        )
        self.arn = self.role.arn
        IamRolePolicy(
            self,
            "policy",
            name="log-delivery",
            role=self.role.id,
            policy=policy(
                {
                    "Sid": "Locate",
                    "Effect": "Allow",
                    "Action": "s3:GetBucketLocation",
                    "Resource": bucket_arn,
                },
                {
                    "Sid": "WriteLogs",
                    "Effect": "Allow",
                    "Action": [
                        "s3:PutObject",
                        "s3:GetObject",
                        "s3:DeleteObject",
                        "s3:PutObjectAcl",
                        "s3:AbortMultipartUpload",
                    ],
                    "Resource": [f"{bucket_arn}/{prefix}/*"],
                },
                {
                    "Sid": "ListLogs",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads"],
                    "Resource": bucket_arn,
                    "Condition": {"StringLike": {"s3:prefix": [f"{prefix}/*", prefix]}},
                },
            ),
        )
