"""The private-link workspace: credentials, storage, network, private access and customer-managed keys.

Clusters reach the control plane through the back-end endpoints (REST API and relay) in the workspace
VPC. People and deploys reach the workspace by the environment's `front_end` design:
`public_ip_access_list` keeps public access (limited by the workspace IP access list) and admits, over
PrivateLink, only the back-end REST endpoint; `private_link` turns public access off and registers the
transit VPC's front-end endpoint, so deploys after this stack run inside that network.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_databricks.mws_credentials import MwsCredentials
from cdktn_provider_databricks.mws_customer_managed_keys import (
    MwsCustomerManagedKeys,
    MwsCustomerManagedKeysAwsKeyInfo,
)
from cdktn_provider_databricks.mws_networks import MwsNetworks, MwsNetworksVpcEndpoints
from cdktn_provider_databricks.mws_private_access_settings import MwsPrivateAccessSettings
from cdktn_provider_databricks.mws_storage_configurations import MwsStorageConfigurations
from cdktn_provider_databricks.mws_vpc_endpoint import MwsVpcEndpoint
from cdktn_provider_databricks.mws_workspaces import MwsWorkspaces
from constructs import Construct

from infra.config import Environment, FrontEnd


@dataclass(frozen=True)
class WorkspaceInputs:
    """What the AWS foundation hands the account: IDs and ARNs, never names re-derived here."""

    cross_account_role_arn: str
    root_bucket_name: str
    vpc_id: str
    subnet_ids: list[str]
    security_group_id: str
    workspace_endpoint_id: str
    relay_endpoint_id: str
    managed_services_key_arn: str
    managed_services_key_alias: str
    storage_key_arn: str
    storage_key_alias: str


class PrivateLinkWorkspace(Construct):
    """A workspace reachable only through its PrivateLink endpoints, encrypted with our keys; others
    read its `workspace_id` and `workspace_url`."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment, inputs: WorkspaceInputs) -> None:
        super().__init__(scope, id_)
        prefix, region, account = env.prefix, env.aws.region, env.databricks.account_id
        credentials = MwsCredentials(
            self,
            "credentials",
            account_id=account,
            credentials_name=f"{prefix}-credentials",
            role_arn=inputs.cross_account_role_arn,
        )
        storage = MwsStorageConfigurations(
            self,
            "storage",
            account_id=account,
            storage_configuration_name=f"{prefix}-root",
            bucket_name=inputs.root_bucket_name,
        )
        rest_endpoint = MwsVpcEndpoint(
            self,
            "rest-endpoint",
            account_id=account,
            vpc_endpoint_name=f"{prefix}-rest",
            aws_vpc_endpoint_id=inputs.workspace_endpoint_id,
            region=region,
        )
        relay_endpoint = MwsVpcEndpoint(
            self,
            "relay-endpoint",
            account_id=account,
            vpc_endpoint_name=f"{prefix}-relay",
            aws_vpc_endpoint_id=inputs.relay_endpoint_id,
            region=region,
        )
        network = MwsNetworks(
            self,
            "network",
            account_id=account,
            network_name=f"{prefix}-network",
            vpc_id=inputs.vpc_id,
            subnet_ids=inputs.subnet_ids,
            security_group_ids=[inputs.security_group_id],
            vpc_endpoints=MwsNetworksVpcEndpoints(
                rest_api=[rest_endpoint.vpc_endpoint_id],
                dataplane_relay=[relay_endpoint.vpc_endpoint_id],
            ),
        )
        allowed = [rest_endpoint.vpc_endpoint_id]
        private_front_end = env.workspace.front_end == FrontEnd.PRIVATE_LINK
        if private_front_end:
            front_end = MwsVpcEndpoint(
                self,
                "front-end-endpoint",
                account_id=account,
                vpc_endpoint_name=f"{prefix}-front-end",
                aws_vpc_endpoint_id=env.workspace.transit_vpc_endpoint_id,
                region=region,
            )
            allowed.append(front_end.vpc_endpoint_id)
        private_access = MwsPrivateAccessSettings(
            self,
            "private-access",
            account_id=account,
            private_access_settings_name=f"{prefix}-pas",
            region=region,
            public_access_enabled=not private_front_end,
            private_access_level="ENDPOINT",
            allowed_vpc_endpoint_ids=allowed,
        )
        managed_services_key = MwsCustomerManagedKeys(
            self,
            "managed-services-key",
            account_id=account,
            use_cases=["MANAGED_SERVICES"],
            aws_key_info=MwsCustomerManagedKeysAwsKeyInfo(
                key_arn=inputs.managed_services_key_arn, key_alias=inputs.managed_services_key_alias
            ),
        )
        storage_key = MwsCustomerManagedKeys(
            self,
            "storage-key",
            account_id=account,
            use_cases=["STORAGE"],
            aws_key_info=MwsCustomerManagedKeysAwsKeyInfo(
                key_arn=inputs.storage_key_arn, key_alias=inputs.storage_key_alias
            ),
        )
        workspace = MwsWorkspaces(
            self,
            "workspace",
            account_id=account,
            workspace_name=env.workspace.name,
            deployment_name=env.workspace.deployment_name,
            aws_region=region,
            pricing_tier=env.workspace.pricing_tier,
            credentials_id=credentials.credentials_id,
            storage_configuration_id=storage.storage_configuration_id,
            network_id=network.network_id,
            private_access_settings_id=private_access.private_access_settings_id,
            managed_services_customer_managed_key_id=managed_services_key.customer_managed_key_id,
            storage_customer_managed_key_id=storage_key.customer_managed_key_id,
            custom_tags={},
        )
        self.workspace_id, self.workspace_url = workspace.workspace_id, workspace.workspace_url
