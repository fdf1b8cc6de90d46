"""moto's server for the AWS checks, the fake Databricks API for the account checks, and the dev
environment with planted values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.config import Environment, load_environment
from lakeward.rehearsal.emulator import EMULATOR_KEY_ID, EMULATOR_SECRET, moto_server
from tests.fakes.databricks_api import FakeAccount, fake_databricks

AWS_ACCOUNT = "111111111111"  # dev's aws.account_id
REGION = "us-east-1"
SP_ID = "70001"
ADMINS_GROUP_ID = "90001"


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = Path(tmp_path_factory.mktemp("moto")) / "moto.log"
    with moto_server(account_id=AWS_ACCOUNT, log_path=log) as url:
        yield url


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point boto3 at moto through the standard variables, as a deployer's shell would."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", EMULATOR_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", EMULATOR_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def plant_endpoint_service(name: str) -> str:
    """moto knows no Databricks endpoint services: create one of our own and return its generated name."""
    ec2, elb = client("ec2"), client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/24")["Subnet"]["SubnetId"]
    nlb = elb.create_load_balancer(Name=name, Subnets=[subnet], Type="network")["LoadBalancers"][0]
    config = ec2.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[nlb["LoadBalancerArn"]])
    return config["ServiceConfiguration"]["ServiceName"]


def plant_state_bucket(bucket: str, *, versioning: bool = True, encryption: bool = True) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    if versioning:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    if encryption:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})


def environment(**updates: Any) -> Environment:
    """dev.yaml with sections replaced (model_copy: the planted names need not match the real pattern)."""
    env = load_environment("dev")
    sections = {key: getattr(env, key).model_copy(update=value) for key, value in updates.items()}
    return env.model_copy(update=sections)


@pytest.fixture(scope="module")
def planted(moto_endpoint: str) -> dict[str, str]:
    """A green AWS account on moto: the two endpoint services and a versioned, encrypted state bucket."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
        patch.setenv("AWS_ACCESS_KEY_ID", EMULATOR_KEY_ID)
        patch.setenv("AWS_SECRET_ACCESS_KEY", EMULATOR_SECRET)
        names = {"workspace": plant_endpoint_service("ws"), "relay": plant_endpoint_service("relay")}
        plant_state_bucket("lakeward-tfstate-111111111111")
    return names


def green_account(env: Environment) -> FakeAccount:
    """A Databricks account where the deploying service principal may do everything preflight checks."""
    fake = FakeAccount(env.databricks.account_id)
    fake.service_principals = [
        {"id": "70000", "applicationId": "someone-else", "displayName": "other"},
        {
            "id": SP_ID,
            "applicationId": fake.client_id,
            "displayName": "lakeward-deployer",
            "active": True,
            "roles": [{"value": "account_admin"}],
            "groups": [{"display": "deployers", "value": "90000"}],
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"],
        },
    ]
    fake.groups = [
        {"id": "90000", "displayName": "deployers", "members": [{"value": SP_ID}]},
        {
            "id": ADMINS_GROUP_ID,
            "displayName": env.metastore.owner,
            "members": [{"value": "70000"}, {"value": SP_ID, "display": "lakeward-deployer"}],
        },
    ]
    fake.workspaces = [
        {
            "workspace_id": 1234567890123456,
            "workspace_name": "analytics",
            "deployment_name": "acme-analytics",
            "aws_region": "us-east-1",
            "workspace_status": "RUNNING",
            "account_id": env.databricks.account_id,
        }
    ]
    return fake


@pytest.fixture
def databricks_environ() -> Iterator[tuple[FakeAccount, dict[str, str]]]:
    env = load_environment("dev")
    fake = green_account(env)
    with fake_databricks(fake) as url:
        yield (
            fake,
            {
                "DATABRICKS_HOST": url,
                "DATABRICKS_ACCOUNT_ID": env.databricks.account_id,
                "DATABRICKS_CLIENT_ID": fake.client_id,
                "DATABRICKS_CLIENT_SECRET": "fake-client-secret",  # pragma: allowlist secret
            },
        )
