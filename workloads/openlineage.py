"""OpenLineage run events for Lakeward's jobs (the pipeline stages, RAG evaluation and release).

Events follow the OpenLineage 2-0-2 run event schema and are appended as JSON lines to
`<folder>/openlineage.jsonl`; when `OPENLINEAGE_URL` is set they are also POSTed to
`$OPENLINEAGE_URL/api/v1/lineage` (Marquez and Databricks-compatible collectors read that).
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

PRODUCER = "https://github.com/lakeward/lakeward/workloads"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
NAMESPACE = "lakeward"


def dataset(name: str, namespace: str = NAMESPACE, version: str | int | None = None, **facets) -> dict:
    entry: dict = {"namespace": namespace, "name": name, "facets": dict(facets)}
    if version is not None:
        entry["facets"]["version"] = {
            "_producer": PRODUCER,
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json",
            "datasetVersion": str(version),
        }
    return entry


def emit(
    folder: Path, job: str, event_type: str, run_id: str, inputs: list[dict], outputs: list[dict]
) -> dict:
    """Write one run event (START, COMPLETE or FAIL) and return it."""
    event = {
        "eventType": event_type,
        "eventTime": datetime.now(UTC).isoformat(),
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run_id, "facets": {}},
        "job": {"namespace": NAMESPACE, "name": job, "facets": {}},
        "inputs": inputs,
        "outputs": outputs,
    }
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "openlineage.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(event, sort_keys=True) + "\n")
    url = os.environ.get("OPENLINEAGE_URL")
    if url:
        request = urllib.request.Request(
            url.rstrip("/") + "/api/v1/lineage",
            data=json.dumps(event).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10):
            pass
    return event


def new_run_id() -> str:
    return str(uuid.uuid4())
