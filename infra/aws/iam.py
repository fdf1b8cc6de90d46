"""IAM roles Databricks assumes: cross-account (compute), Unity Catalog storage, audit log delivery.

Each trust policy requires an external ID (the Databricks account ID, or the storage credential's own
for Unity Catalog); each permission policy is scoped to this environment's VPC, buckets and keys.
"""

from __future__ import annotations

from cdktn_provider_aws.iam_role import IamRole
from cdktn_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from infra.config import Environment
from infra.documents import policy, role_arn

# Databricks' Unity Catalog master role on commercial AWS (documented, fixed).
UC_MASTER_ROLE = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"


def _trust(principal: str, external_id: str) -> str:
    return policy(
        {
            "Sid": "DatabricksAssumesWithExternalId",
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
        }
    )


def unity_catalog_trust(*, account_id: str, role_name: str, external_id: str) -> str:
    """The trust policy `databricks_aws_unity_catalog_assume_role_policy` writes: the Unity Catalog
    master role, and the role itself through the account root with an `ArnLike aws:PrincipalArn`
    condition, since IAM refuses a principal naming a role that does not exist yet (itself)."""
    with_external_id = {"StringEquals": {"sts:ExternalId": external_id}}
    return policy(
        {
            "Sid": "UnityCatalogAssumeRole",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"AWS": UC_MASTER_ROLE},
            "Condition": with_external_id,
        },
        {
            "Sid": "ExplicitSelfRoleAssumption",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Condition": {
                "ArnLike": {"aws:PrincipalArn": role_arn(account_id, role_name)},
                **with_external_id,
            },
        },
    )


class CrossAccountRole(Construct):
    """The role Databricks uses to launch cluster instances, limited to this environment's VPC; others
    use `arn`, the reference to the created role, so they are created after it.

    Its actions are those of the provider's `restricted` cross-account policy
    (`databricks_aws_crossaccount_policy`), scoped to this VPC, region and account.
    """

    def __init__(self, scope: Construct, id_: str, *, env: Environment, vpc_arn: str) -> None:
        super().__init__(scope, id_)
        self.role_name = f"{env.prefix}-cross-account"
        region, account = env.aws.region, env.aws.account_id
        in_vpc = {"StringEquals": {"ec2:vpc": vpc_arn}}
        databricks_tagged = {"StringEquals": {"ec2:ResourceTag/Vendor": "Databricks"}}
        self.role = IamRole(
            self,
            "role",
            name=self.role_name,
            description="Databricks cross-account role (customer-managed VPC)",
            assume_role_policy=_trust(
                f"arn:aws:iam::{env.databricks.aws_principal_account}:root", env.databricks.account_id
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
                        "ec2:DescribeIamInstanceProfileAssociations",
                        "ec2:DescribeInstances",
                        "ec2:DescribeInstanceStatus",
                        "ec2:DescribeInternetGateways",
                        "ec2:DescribeNatGateways",
                        "ec2:DescribeNetworkAcls",
                        "ec2:DescribePrefixLists",
                        "ec2:DescribeReservedInstancesOfferings",
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
                        "ec2:GetLaunchTemplateData",
                        "ec2:GetSpotPlacementScores",
                        "ec2:AssignPrivateIpAddresses",
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
                        "ec2:ModifyFleet",
                        "ec2:DeleteFleets",
                    ],
                    "Resource": "*",
                    "Condition": databricks_tagged,
                },
                {
                    "Sid": "InstancePoolsSupport",
                    "Effect": "Allow",
                    "Action": [
                        "ec2:AssociateIamInstanceProfile",
                        "ec2:DisassociateIamInstanceProfile",
                        "ec2:ReplaceIamInstanceProfileAssociation",
                    ],
                    "Resource": f"arn:aws:ec2:{region}:{account}:instance/*",
                    "Condition": databricks_tagged,
                },
                {
                    "Sid": "SecurityGroupRulesInThisVpc",
                    "Effect": "Allow",
                    "Action": [
                        "ec2:AuthorizeSecurityGroupEgress",
                        "ec2:AuthorizeSecurityGroupIngress",
                        "ec2:RevokeSecurityGroupEgress",
                        "ec2:RevokeSecurityGroupIngress",
                    ],
                    "Resource": f"arn:aws:ec2:{region}:{account}:security-group/*",
                    "Condition": in_vpc,
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


def unity_catalog_role_arn(env: Environment) -> str:
    """The Unity Catalog role's ARN, known before the role exists: the storage credential names it
    first, and the role then trusts the credential's external ID (the provider's documented order)."""
    return role_arn(env.aws.account_id, f"{env.prefix}-unity-catalog")


class UnityCatalogRole(Construct):
    """The storage credential role for the Unity Catalog bucket, created after the credential whose
    `external_id` it requires; `policy` is what an external location waits for before validating."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        external_id: str,
        bucket_arn: str,
        kms_key_arn: str,
    ) -> None:
        super().__init__(scope, id_)
        self.role_name = f"{env.prefix}-unity-catalog"
        self.role_arn = unity_catalog_role_arn(env)
        self.role = IamRole(
            self,
            "role",
            name=self.role_name,
            description="Unity Catalog storage credential",
            assume_role_policy=unity_catalog_trust(
                account_id=env.aws.account_id, role_name=self.role_name, external_id=external_id
            ),
        )
        self.policy = IamRolePolicy(
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
                f"arn:aws:iam::{env.databricks.aws_principal_account}:role/SaasUsageDeliveryRole-prod-"
                "IAMRole-3PLHICCRR1TK",
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
