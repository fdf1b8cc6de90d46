"""The `evidence` commands: keygen, export, verify, diff and publish, each returning an `Outcome`."""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

from lakeward.errors import LakewardError
from lakeward.evidence.render import diff_view, export_view, keygen_view, publish_view, verify_view
from lakeward.output import Outcome, console


def keygen(out: Path) -> Outcome:
    """Write an Ed25519 key pair (private key mode 0600)."""
    from lakeward.evidence.keys import keygen as write_pair

    pair = write_pair(out)
    return Outcome(pair.as_dict(), keygen_view(pair))


def export(
    key: Path | None,
    env: str = "dev",
    out: Path | None = None,
    previous: Path | None = None,
    results: Path | None = None,
    stacks: Path | None = None,
    lineage: Path | None = None,
    mlflow_uri: str | None = None,
    tenants: Path | None = None,
    waivers: Path | None = None,
    databricks_host: str | None = None,
    warehouse_id: str | None = None,
    days: int = 7,
    live: bool = False,
    drift: Path | None = None,
    releases: Path | None = None,
) -> Outcome:
    """Collect the evidence, evaluate the controls, write and sign a bundle. With `warehouse_id`, also
    read the workspace's system tables (the token comes from DATABRICKS_TOKEN); with `drift`, include
    the latest `lakeward drift` report (a file, or the newest of the environment's in a folder)."""
    from lakeward.evidence.bundle import ExportOptions, default_tenants, default_waivers, export_bundle
    from lakeward.evidence.collectors.databricks_live import LiveSource
    from lakeward.evidence.items import export_time

    if key is None:
        raise LakewardError(
            "no signing key", field="--key", fix="run `lakeward evidence keygen --out DIR` and pass --key"
        )
    source = None
    if warehouse_id:
        token = os.environ.get("DATABRICKS_TOKEN")
        if not (databricks_host and token):
            raise LakewardError(
                "live collection needs a host and a token",
                field="--databricks-host/DATABRICKS_TOKEN",
                fix="set DATABRICKS_HOST and DATABRICKS_TOKEN, or drop --warehouse-id",
            )
        source = LiveSource(databricks_host, token, warehouse_id, days)
    options = ExportOptions(
        out=out or Path("evidence") / f"{env}-{export_time().strftime('%Y%m%dT%H%M%SZ')}",
        key=key,
        env=env,
        previous=previous,
        results=results,
        stacks=stacks,
        lineage=lineage,
        mlflow_uri=mlflow_uri,
        tenants=tenants or default_tenants(),
        waivers=waivers or default_waivers(),
        live=source,
        drift=drift,
        releases_dir=releases,
    )
    with console.status("collecting evidence") if live else nullcontext() as status:
        result = export_bundle(options, lambda step: status.update(f"evidence: {step}") if status else None)
    return Outcome(result.as_dict(), export_view(result))


def verify(bundle: Path, pubkey: Path, previous: Path | None = None) -> Outcome:
    """Verify offline. Exit 0 ok, 2 bad input, 3 changed/added/removed file, 4 bad signature or wrong
    key, 5 broken chain."""
    from lakeward.evidence.keys import read_public_key
    from lakeward.evidence.verifier import verify_bundle

    result = verify_bundle(bundle, read_public_key(pubkey), previous)
    return Outcome(result.as_dict(), verify_view(result), result.exit_code)


def diff(a: Path, b: Path, pubkey: Path) -> Outcome:
    """What changed between two bundles, once both verify against the signer's public key."""
    from lakeward.evidence.diff import diff_bundles
    from lakeward.evidence.keys import read_public_key

    changes = diff_bundles(a, b, read_public_key(pubkey))
    return Outcome(changes, diff_view(changes))


def publish(
    bundle: Path,
    bucket: str,
    retention_days: int = 2555,
    endpoint_url: str | None = None,
    create_bucket: bool = False,
) -> Outcome:
    """Upload to S3 under Object Lock (COMPLIANCE); exit 6 if this bundle is already published."""
    from lakeward.evidence.publish import publish_bundle, s3_client

    result = publish_bundle(
        bundle, bucket, retention_days, client=s3_client(endpoint_url), create_bucket=create_bucket
    )
    return Outcome(result.as_dict(), publish_view(result))
