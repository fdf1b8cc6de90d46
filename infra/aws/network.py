"""The customer-managed VPC: private subnets in two or more AZs, no internet gateway, PrivateLink.

Clusters reach Databricks only through the workspace (REST API) and relay (secure cluster
connectivity) interface endpoints, and AWS only through S3, STS and Kinesis endpoints whose
policies admit this account and Databricks' own.
"""

from __future__ import annotations

from cdktn_provider_aws.default_security_group import DefaultSecurityGroup
from cdktn_provider_aws.flow_log import FlowLog
from cdktn_provider_aws.route_table import RouteTable
from cdktn_provider_aws.route_table_association import RouteTableAssociation
from cdktn_provider_aws.security_group import SecurityGroup
from cdktn_provider_aws.subnet import Subnet
from cdktn_provider_aws.vpc import Vpc
from cdktn_provider_aws.vpc_endpoint import VpcEndpoint
from cdktn_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktn_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from infra.config import Environment
from infra.documents import policy

# Ports the data plane uses towards the PrivateLink endpoints: REST API, FIPS REST, relay, internal.
PRIVATELINK_PORTS: tuple[tuple[int, int], ...] = ((443, 443), (2443, 2443), (6666, 6666), (8443, 8451))


class Network(Construct):
    """VPC, subnets, security groups, VPC endpoints and flow logs of one environment."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        bucket_arns: list[str],
        root_bucket_arn: str,
        flow_log_bucket_arn: str,
    ) -> None:
        super().__init__(scope, id_)
        net, prefix, region = env.network, env.prefix, env.aws.region
        self._prefix = prefix
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=str(net.vpc_cidr),
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{prefix}-vpc"},
        )
        DefaultSecurityGroup(
            self, "default-sg-closed", vpc_id=self.vpc.id, tags={"Name": f"{prefix}-default-closed"}
        )
        self.route_table = RouteTable(
            self, "private-routes", vpc_id=self.vpc.id, tags={"Name": f"{prefix}-private"}
        )
        self.private_subnets = self._subnets("private", net.private_subnets, net.availability_zones, prefix)
        self.endpoint_subnets = self._subnets(
            "endpoint", net.endpoint_subnets, net.availability_zones, prefix
        )

        self.workspace_sg = SecurityGroup(
            self,
            "workspace-sg",
            name=f"{prefix}-workspace",
            description="Databricks cluster nodes",
            vpc_id=self.vpc.id,
            tags={"Name": f"{prefix}-workspace"},
        )
        self.endpoint_sg = SecurityGroup(
            self,
            "endpoint-sg",
            name=f"{prefix}-endpoints",
            description="Databricks and AWS VPC endpoints",
            vpc_id=self.vpc.id,
            tags={"Name": f"{prefix}-endpoints"},
        )

        self.workspace_endpoint = self._interface("workspace", env.databricks.privatelink.workspace)
        self.relay_endpoint = self._interface("relay", env.databricks.privatelink.relay)
        self.sts_endpoint = self._interface("sts", f"com.amazonaws.{region}.sts", self._sts_policy(env))
        self.kinesis_endpoint = self._interface(
            "kinesis", f"com.amazonaws.{region}.kinesis-streams", self._kinesis_policy(env)
        )
        self.s3_endpoint = VpcEndpoint(
            self,
            "s3-endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[self.route_table.id],
            policy=self._s3_policy(env, bucket_arns, root_bucket_arn),
            tags={"Name": f"{prefix}-s3"},
        )
        self._rules()
        self.flow_log = FlowLog(
            self,
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="s3",
            log_destination=f"{flow_log_bucket_arn}/vpc-flow-logs/",
            max_aggregation_interval=60,
            tags={"Name": f"{prefix}-flow-log"},
        )
        self.vpc_id, self.vpc_arn = self.vpc.id, self.vpc.arn
        self.private_subnet_ids = [subnet.id for subnet in self.private_subnets]
        self.workspace_security_group_id = self.workspace_sg.id
        self.workspace_endpoint_id, self.relay_endpoint_id = (
            self.workspace_endpoint.id,
            self.relay_endpoint.id,
        )

    def _subnets(self, role: str, cidrs: list, zones: list[str], prefix: str) -> list[Subnet]:
        subnets = []
        for index, (cidr, zone) in enumerate(zip(cidrs, zones, strict=True)):
            subnet = Subnet(
                self,
                f"{role}-{index}",
                vpc_id=self.vpc.id,
                cidr_block=str(cidr),
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{prefix}-{role}-{zone}", "Tier": role},
            )
            RouteTableAssociation(
                self, f"{role}-{index}-routes", subnet_id=subnet.id, route_table_id=self.route_table.id
            )
            subnets.append(subnet)
        return subnets

    def _rules(self) -> None:
        workspace, endpoints = self.workspace_sg.id, self.endpoint_sg.id
        for protocol in ("tcp", "udp"):
            VpcSecurityGroupIngressRule(
                self,
                f"workspace-in-self-{protocol}",
                security_group_id=workspace,
                referenced_security_group_id=workspace,
                ip_protocol=protocol,
                from_port=0,
                to_port=65535,
                description="cluster nodes talk to each other",
            )
            VpcSecurityGroupEgressRule(
                self,
                f"workspace-out-self-{protocol}",
                security_group_id=workspace,
                referenced_security_group_id=workspace,
                ip_protocol=protocol,
                from_port=0,
                to_port=65535,
                description="cluster nodes talk to each other",
            )
        for low, high in PRIVATELINK_PORTS:
            VpcSecurityGroupEgressRule(
                self,
                f"workspace-out-endpoints-{low}",
                security_group_id=workspace,
                referenced_security_group_id=endpoints,
                ip_protocol="tcp",
                from_port=low,
                to_port=high,
                description="to the PrivateLink and AWS interface endpoints",
            )
            VpcSecurityGroupIngressRule(
                self,
                f"endpoints-in-workspace-{low}",
                security_group_id=endpoints,
                referenced_security_group_id=workspace,
                ip_protocol="tcp",
                from_port=low,
                to_port=high,
                description="from cluster nodes",
            )
        VpcSecurityGroupEgressRule(
            self,
            "workspace-out-s3",
            security_group_id=workspace,
            prefix_list_id=self.s3_endpoint.prefix_list_id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="to S3 through the gateway endpoint",
        )

    def _interface(self, name: str, service: str, endpoint_policy: str | None = None) -> VpcEndpoint:
        return VpcEndpoint(
            self,
            f"{name}-endpoint",
            vpc_id=self.vpc.id,
            service_name=service,
            vpc_endpoint_type="Interface",
            private_dns_enabled=True,
            subnet_ids=[subnet.id for subnet in self.endpoint_subnets],
            security_group_ids=[self.endpoint_sg.id],
            policy=endpoint_policy,
            tags={"Name": f"{self._prefix}-{name}"},
        )

    @staticmethod
    def _s3_policy(env: Environment, bucket_arns: list[str], root_bucket_arn: str) -> str:
        """What S3 traffic from the VPC may reach, as the Security Reference Architecture's endpoint
        policy allows it: our buckets for our account, the workspace root bucket for Databricks' account
        (classic compute writes it as Databricks), Databricks' regional runtime buckets for reading, and
        its regional log buckets for Databricks' account to write cluster logs."""
        region = env.aws.region
        databricks_account = {"StringEquals": {"aws:PrincipalAccount": env.databricks.aws_principal_account}}
        databricks_buckets = [
            f"arn:aws:s3:::databricks-prod-artifacts-{region}",
            f"arn:aws:s3:::databricks-prod-artifacts-{region}/*",
            f"arn:aws:s3:::databricks-datasets-{region.split('-')[0]}*",
            f"arn:aws:s3:::system-tables-prod-{region}-uc-metastore-bucket",
            f"arn:aws:s3:::system-tables-prod-{region}-uc-metastore-bucket/*",
        ]
        return policy(
            {
                "Sid": "EnvironmentBuckets",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [*bucket_arns, *(f"{arn}/*" for arn in bucket_arns)],
                "Condition": {"StringEquals": {"aws:PrincipalAccount": env.aws.account_id}},
            },
            {
                "Sid": "DatabricksWorkspaceRoot",
                "Effect": "Allow",
                "Principal": "*",
                "Action": [
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                ],
                "Resource": [root_bucket_arn, f"{root_bucket_arn}/*"],
                "Condition": databricks_account,
            },
            {
                "Sid": "DatabricksRuntimeArtifacts",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"],
                "Resource": databricks_buckets,
            },
            {
                "Sid": "DatabricksLogBuckets",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation"],
                "Resource": [
                    "arn:aws:s3:::databricks-prod-storage-*",
                    "arn:aws:s3:::databricks-prod-storage-*/*",
                ],
                "Condition": databricks_account,
            },
        )

    @staticmethod
    def _sts_policy(env: Environment) -> str:
        return policy(
            {
                "Sid": "EnvironmentAndDatabricks",
                "Effect": "Allow",
                "Principal": "*",
                "Action": [
                    "sts:AssumeRole",
                    "sts:GetAccessKeyInfo",
                    "sts:GetSessionToken",
                    "sts:DecodeAuthorizationMessage",
                    "sts:TagSession",
                    "sts:GetCallerIdentity",
                ],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "aws:PrincipalAccount": [env.aws.account_id, env.databricks.aws_principal_account]
                    }
                },
            }
        )

    @staticmethod
    def _kinesis_policy(env: Environment) -> str:
        databricks = env.databricks.aws_principal_account
        return policy(
            {
                "Sid": "DatabricksLogStreams",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{env.databricks.aws_principal_account}:root"},
                "Action": ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStream"],
                "Resource": f"arn:aws:kinesis:{env.aws.region}:{databricks}:stream/*",
            }
        )
