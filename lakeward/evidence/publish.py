"""`lakeward evidence publish`: upload a bundle to S3 under Object Lock in COMPLIANCE mode.

Every object is written with `If-None-Match: *` (no overwrite), a SHA-256 checksum S3 verifies, and
a COMPLIANCE retention that nobody, the root user included, can shorten or remove before it ends.
The bucket must have Object Lock enabled (`--create-bucket` creates one that has).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.evidence.bundle import read_index
from lakeward.evidence.verifier import bundle_digest

EXIT_EXISTS = 6


@dataclass(frozen=True)
class PublishResult:
    bucket: str
    prefix: str
    objects: int
    retain_until: str
    digest: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "objects": self.objects,
            "retain_until": self.retain_until,
            "mode": "COMPLIANCE",
            "digest": self.digest,
        }


def s3_client(endpoint_url: str | None = None, region: str | None = None) -> Any:
    try:
        import boto3
    except ImportError:
        raise LakewardError(
            "boto3 is not installed", field="publish", fix='pip install -e ".[evidence]"'
        ) from None
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region or "us-east-1")


def _ensure_bucket(client: Any, bucket: str, create: bool) -> None:
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        if not create:
            raise LakewardError(
                "no such bucket, or no access to it",
                source=bucket,
                field="--bucket",
                fix="create it with Object Lock enabled, or pass --create-bucket",
            ) from None
        client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    try:
        enabled = client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"][
            "ObjectLockEnabled"
        ]
    except (ClientError, KeyError):
        enabled = None
    if enabled != "Enabled":
        raise LakewardError(
            "Object Lock is not enabled on this bucket",
            source=bucket,
            field="--bucket",
            fix="use a bucket created with Object Lock enabled",
        )


def publish_bundle(
    bundle: Path,
    bucket: str,
    retention_days: int = 2555,
    client: Any = None,
    create_bucket: bool = False,
    now: dt.datetime | None = None,
) -> PublishResult:
    """Upload every file of `bundle` under `evidence/<env>/<sequence>-<digest>/`, locked until the end."""
    if retention_days < 1:
        raise LakewardError(
            "retention must be at least one day", field="--retention-days", fix="e.g. 2555 (7 years)"
        )
    index = read_index(bundle)
    digest = bundle_digest(bundle)
    meta = index["bundle"]
    prefix = f"evidence/{meta['environment']}/{meta['sequence']:06d}-{digest.removeprefix('sha256:')[:16]}/"
    client = client or s3_client()
    _ensure_bucket(client, bucket, create_bucket)
    if client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1).get("KeyCount", 0):
        raise LakewardError(
            "this bundle is already published; locked evidence is never overwritten",
            source=f"s3://{bucket}/{prefix}",
            fix="publish a new bundle instead",
            exit_code=EXIT_EXISTS,
        )
    retain = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0) + dt.timedelta(days=retention_days)
    files = sorted(path for path in bundle.rglob("*") if path.is_file())
    for path in files:
        body = path.read_bytes()
        client.put_object(
            Bucket=bucket,
            Key=prefix + path.relative_to(bundle).as_posix(),
            Body=body,
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=base64.b64encode(hashlib.sha256(body).digest()).decode("ascii"),
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=retain,
            IfNoneMatch="*",
        )
    for path in files:
        head = client.head_object(Bucket=bucket, Key=prefix + path.relative_to(bundle).as_posix())
        if head.get("ObjectLockMode") != "COMPLIANCE":
            raise LakewardError(
                f"{path.name} was stored without a COMPLIANCE lock",
                source=bucket,
                fix="check the bucket's settings",
            )
    return PublishResult(bucket, prefix, len(files), retain.strftime("%Y-%m-%dT%H:%M:%SZ"), digest)
