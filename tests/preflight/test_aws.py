"""The AWS checks against moto's server; the EC2 quota (which moto does not serve) through a stub."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from infra.config import Environment
from lakeward.errors import LakewardError
from lakeward.preflight.aws import aws_checks, aws_session, gpu_quota
from lakeward.preflight.checks import Check, Status
from tests.preflight.conftest import environment, plant_state_bucket

pytestmark = pytest.mark.usefixtures("aws_env")


def green(planted: dict[str, str], **updates: Any) -> Environment:
    env = environment(**updates)
    privatelink = env.databricks.privatelink.model_copy(update=planted)
    return env.model_copy(
        update={"databricks": env.databricks.model_copy(update={"privatelink": privatelink})}
    )


def by_id(checks: list[Check]) -> dict[str, Check]:
    return {check.id: check for check in checks}


def test_all_green_on_moto(planted: dict[str, str]) -> None:
    checks = by_id(aws_checks(green(planted), aws_session()))
    assert [c for c in checks.values() if c.status is Status.BLOCKER] == []
    assert checks["aws.account"].found.endswith("in account 111111111111")
    assert checks["aws.region"].found == "us-east-1: opt-in-not-required"
    assert planted["workspace"] in checks["aws.privatelink.workspace"].found
    assert "versioning Enabled, default encryption aws:kms" in checks["aws.state_bucket"].found
    # moto serves Service Quotas for the vpc service only: the quota is reported, honestly, as unread.
    quota = checks["aws.gpu_quota"]
    assert quota.status is Status.NOT_EVALUATED and "NoSuchResourceException" in quota.found
    assert "12 vCPUs or more" in (quota.fix or "")


def test_wrong_account_blocks_and_skips_the_rest(planted: dict[str, str]) -> None:
    checks = aws_checks(green(planted, aws={"account_id": "222222222222"}), aws_session())
    assert checks[0].status is Status.BLOCKER and "222222222222" in (checks[0].fix or "")
    assert {c.status for c in checks[1:]} == {Status.NOT_EVALUATED}


def test_unknown_endpoint_services_block_with_the_fix(planted: dict[str, str]) -> None:
    checks = by_id(aws_checks(environment(), aws_session()))  # dev's real Databricks service names
    relay = checks["aws.privatelink.relay"]
    assert relay.status is Status.BLOCKER
    assert (
        relay.found == "com.amazonaws.vpce.us-east-1.vpce-svc-00018a8c3ff62ffdf does not exist in us-east-1"
    )
    assert "databricks.privatelink.relay" in (relay.fix or "") and relay.source


def test_missing_state_bucket(planted: dict[str, str]) -> None:
    checks = by_id(aws_checks(green(planted, state={"bucket": "no-such-state-bucket"}), aws_session()))
    bucket = checks["aws.state_bucket"]
    assert bucket.status is Status.BLOCKER and bucket.found == "s3://no-such-state-bucket does not exist"


def test_unversioned_unencrypted_state_bucket(planted: dict[str, str]) -> None:
    plant_state_bucket("bare-state-bucket", versioning=False, encryption=False)
    bucket = by_id(aws_checks(green(planted, state={"bucket": "bare-state-bucket"}), aws_session()))[
        "aws.state_bucket"
    ]
    assert bucket.status is Status.BLOCKER
    assert "versioning never enabled, default encryption none" in bucket.found
    assert "enable versioning" in (bucket.fix or "") and "default encryption" in (bucket.fix or "")


class StubbedSession:
    """Hands out one stubbed Service Quotas client."""

    def __init__(self, client: Any) -> None:
        self.quotas = client

    def client(self, service: str, region_name: str) -> Any:
        assert (service, region_name) == ("service-quotas", "us-east-1")
        return self.quotas


def quota_check(env: Environment, value: float, code: str) -> Check:
    quotas = boto3.client("service-quotas", region_name="us-east-1")
    with Stubber(quotas) as stub:
        stub.add_response(
            "get_service_quota",
            {"Quota": {"ServiceCode": "ec2", "QuotaCode": code, "Value": value}},
            {"ServiceCode": "ec2", "QuotaCode": code},  # the request the check must send
        )
        check = gpu_quota(env, StubbedSession(quotas))
        stub.assert_no_pending_responses()
    return check


def test_gpu_quota_too_low_blocks() -> None:
    check = quota_check(environment(), 8.0, "L-DB2E81BA")  # dev: 3 x g5.xlarge (4 vCPUs) = 12
    assert check.status is Status.BLOCKER
    assert check.found == "quota 8 vCPUs; the GPU pool needs 12 (3 x g5.xlarge of 4 vCPUs)"
    assert "Running On-Demand G and VT instances" in (check.fix or "")


def test_gpu_quota_enough_and_p_family_code() -> None:
    assert quota_check(environment(), 12.0, "L-DB2E81BA").status is Status.OK
    p4d = environment(gpu={"node_type": "p4d.24xlarge", "max_capacity": 2})
    check = quota_check(p4d, 96.0, "L-417A185B")
    assert check.status is Status.BLOCKER and "needs 192" in check.found


def test_missing_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(LakewardError) as error:
        aws_session()
    assert "AWS_ACCESS_KEY_ID" in str(error.value) and error.value.exit_code == 2
