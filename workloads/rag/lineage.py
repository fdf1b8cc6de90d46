"""Lineage of the RAG model: the datasets an evaluation or a model was built from, and an answer traced
back through chunk, embedding, index, model and prompt versions to its source document."""

from __future__ import annotations

from pathlib import Path

from deltalake import DeltaTable

from lakeward.errors import LakewardError
from workloads.openlineage import dataset


def catalog_inputs(lineage: dict) -> list[dict]:
    """The Delta tables and the index an evaluation or a model was built from, with their versions."""
    inputs = [dataset(t["name"], version=t["version"]) for t in lineage.get("tables", {}).values()]
    index = lineage.get("index")
    if index:
        inputs.append(dataset("rag_index", version=index["chunkset"]))
    return inputs


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
