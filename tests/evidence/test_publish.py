"""Publishing to S3 under Object Lock, against moto's server over HTTP: locked objects cannot be
overwritten or deleted within their retention, and a bundle is never published twice."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lakeward.errors import LakewardError
from lakeward.evidence.bundle import ExportResult
from lakeward.evidence.publish import EXIT_EXISTS, publish_bundle
from tests.cli import run_cli


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    finally:
        server.stop()


def test_publish_locks_every_object_in_compliance_mode(s3: Any, full_bundle: ExportResult) -> None:
    from botocore.exceptions import ClientError

    now = dt.datetime.now(dt.UTC)
    result = publish_bundle(
        full_bundle.bundle, "lakeward-evidence", 30, client=s3, create_bucket=True, now=now
    )
    assert result.objects == full_bundle.files and result.digest == full_bundle.digest
    keys = [
        o["Key"] for o in s3.list_objects_v2(Bucket="lakeward-evidence", Prefix=result.prefix)["Contents"]
    ]
    assert len(keys) == result.objects and f"{result.prefix}signature.dsse.json" in keys
    key = f"{result.prefix}data/index.json"
    head = s3.head_object(Bucket="lakeward-evidence", Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] == now.replace(microsecond=0) + dt.timedelta(days=30)
    original = (full_bundle.bundle / "data" / "index.json").read_bytes()
    # Overwriting the key is refused ...
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="lakeward-evidence", Key=key, Body=b"{}", IfNoneMatch="*")
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    # ... a plain PUT only stacks a new version on top, and the locked version can be neither deleted ...
    version = head["VersionId"]
    s3.put_object(Bucket="lakeward-evidence", Key=key, Body=b"{}")
    with pytest.raises(ClientError) as denied:
        s3.delete_object(Bucket="lakeward-evidence", Key=key, VersionId=version)
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    # ... nor changed.
    assert s3.get_object(Bucket="lakeward-evidence", Key=key, VersionId=version)["Body"].read() == original
    with pytest.raises(LakewardError) as again:
        publish_bundle(full_bundle.bundle, "lakeward-evidence", 30, client=s3)
    assert again.value.exit_code == EXIT_EXISTS


def test_publish_refuses_a_bucket_without_object_lock(s3: Any, full_bundle: ExportResult) -> None:
    s3.create_bucket(Bucket="plain-bucket")
    with pytest.raises(LakewardError, match="Object Lock is not enabled"):
        publish_bundle(full_bundle.bundle, "plain-bucket", 30, client=s3)
    with pytest.raises(LakewardError, match="no such bucket") as missing:
        publish_bundle(full_bundle.bundle, "absent-bucket", 30, client=s3)
    assert missing.value.field == "--bucket"
    with pytest.raises(LakewardError, match="at least one day"):
        publish_bundle(full_bundle.bundle, "plain-bucket", 0, client=s3)


def test_cli_publish_over_http(s3: Any, full_bundle: ExportResult, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "bundle"
    shutil.copytree(full_bundle.bundle, copy)
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    command = ["evidence", "publish", copy, "--bucket", "cli-evidence", "--retention-days", "1"]
    command += ["--endpoint-url", s3.meta.endpoint_url, "--create-bucket", "--json"]
    first = run_cli(*command, env=env)
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["mode"] == "COMPLIANCE"
    again = run_cli(*command, env=env)
    assert again.exit_code == EXIT_EXISTS and "already published" in again.stderr
