"""Lineage: OpenLineage run events for the RAG jobs, and an answer traced back to its sources.

Events follow the OpenLineage 2-0-2 run event schema and are appended as JSON lines to
`<tracking>/openlineage.jsonl`; when `OPENLINEAGE_URL` is set they are also POSTed to
`$OPENLINEAGE_URL/api/v1/lineage` (Marquez and Databricks-compatible collectors read that).
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from deltalake import DeltaTable

from lakeward.errors import LakewardError

PRODUCER = "https://github.com/lakeward/lakeward/workloads/rag"
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


def catalog_inputs(lineage: dict) -> list[dict]:
    """The Delta tables and the index an evaluation or a model was built from, with their versions."""
    inputs = [dataset(t["name"], version=t["version"]) for t in lineage.get("tables", {}).values()]
    index = lineage.get("index")
    if index:
        inputs.append(dataset("rag_index", version=index["chunkset"]))
    return inputs


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


def explain(answer: dict, lakehouse: Path) -> list[dict]:
    """For each citation of an answer: chunk -> embedding -> index -> document, read at the recorded
    table versions, with the model and prompt versions; raises if any link is missing."""
    lineage = answer["lineage"]
    tables = {
        name: DeltaTable(
            str(lakehouse / Path(*t["name"].split("."))), version=t["version"]
        ).to_pyarrow_table()
        for name, t in lineage["tables"].items()
    }
    chunks = {r["chunk_id"]: r for r in tables["chunks"].select(["chunk_id", "doc_id"]).to_pylist()}
    embedded = {
        r["chunk_id"]: r["model_version"]
        for r in tables["embeddings"].select(["chunk_id", "model_version"]).to_pylist()
    }
    documents = {
        r["doc_id"]: r for r in tables["documents"].select(["doc_id", "source", "content_hash"]).to_pylist()
    }
    paths = []
    for citation in answer["citations"]:
        chunk = chunks.get(citation["chunk_id"])
        if chunk is None or citation["chunk_id"] not in embedded or chunk["doc_id"] not in documents:
            raise LakewardError(
                f"chunk {citation['chunk_id']} is not in the tables at the recorded versions",
                field="lineage",
                fix="rerun the pipeline and rebuild the model",
            )
        document = documents[chunk["doc_id"]]
        paths.append(
            {
                "chunk_id": citation["chunk_id"],
                "embedding_model": embedded[citation["chunk_id"]],
                "index_chunkset": lineage["index"]["chunkset"],
                "table_versions": {name: t["version"] for name, t in lineage["tables"].items()},
                "model": lineage.get("model", {}),
                "prompt": answer["prompt"],
                "doc_id": chunk["doc_id"],
                "source": document["source"],
                "content_hash": document["content_hash"],
            }
        )
    return paths
