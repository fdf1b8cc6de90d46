"""The chunk catalog: the pipeline's index plus the document attributes that retrieval filters on.

The pipeline (`workloads`) builds the BM25 and HNSW indexes and the Delta tables; this module
only reads them. Each index row gets its document's `tenant`, `classification` and `updated_at`:
taken from columns of those names when the corpus carries them, otherwise the tenant is the first
folder of the document's source path ("default" at the top level) and the classification comes from
the configured source globs. `lineage` records the table and index versions an answer was drawn from.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lakeward.errors import LakewardError
from workloads.indexing import INDEX_FOLDER, ChunkIndex, index_dir
from workloads.rag.config import RagConfig, RetrievalConfig


def tenant_of(source: str) -> str:
    return source.split("/", 1)[0] if "/" in source else "default"


def classification_of(source: str, config: RetrievalConfig) -> str:
    for pattern, label in sorted(config.classifications.items()):
        if fnmatch.fnmatchcase(source, pattern):
            return label
    return config.default_classification


@dataclass
class ChunkCatalog:
    """The loaded index, its per-row document attributes and the versions they came from."""

    index: ChunkIndex
    directory: Path
    attributes: pa.Table
    lineage: dict

    @property
    def metadata(self) -> pa.Table:
        return self.index.metadata

    def save(self, folder: Path) -> None:
        """Write a self-contained copy (index files, attributes, lineage) for a model artifact."""
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.directory, folder / INDEX_FOLDER, dirs_exist_ok=True)
        pq.write_table(self.attributes, folder / "attributes.parquet")
        (folder / "lineage.json").write_text(json.dumps(self.lineage, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, folder: Path) -> ChunkCatalog:
        lineage = json.loads((folder / "lineage.json").read_text())
        attributes = pq.read_table(folder / "attributes.parquet")
        return cls(ChunkIndex(folder / INDEX_FOLDER), folder / INDEX_FOLDER, attributes, lineage)


def load_catalog(lakehouse: Path, config: RagConfig) -> ChunkCatalog:
    """Open the index the pipeline built in `lakehouse` and attach document attributes and lineage."""
    from deltalake import DeltaTable

    directory = index_dir(lakehouse, config.catalog, config.schema_name)
    index = ChunkIndex(directory)
    tables = {}
    for name in ("documents", "chunks", "embeddings"):
        path = lakehouse / config.catalog / config.schema_name / name
        if not DeltaTable.is_deltatable(str(path)):
            raise LakewardError(
                f"has no {name} table",
                source=str(lakehouse),
                field="--lakehouse",
                fix="run `lakeward pipeline run --lakehouse DIR` first",
            )
        tables[name] = DeltaTable(str(path))
    documents = tables["documents"].to_pyarrow_table()
    doc_columns = {name: documents.column(name).to_pylist() for name in documents.schema.names}
    by_doc = {doc: i for i, doc in enumerate(doc_columns["doc_id"])}
    chunks = tables["chunks"].to_pyarrow_table(columns=["chunk_id", "token_count"])
    tokens = dict(zip(chunks["chunk_id"].to_pylist(), chunks["token_count"].to_pylist(), strict=True))
    rows = index.metadata.select(["chunk_id", "doc_id", "source"]).to_pylist()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)

    def doc_value(doc: str, column: str, fallback):
        values = doc_columns.get(column)
        return values[by_doc[doc]] if values is not None and doc in by_doc else fallback

    attributes = pa.table(
        {
            "tenant": [doc_value(r["doc_id"], "tenant", tenant_of(r["source"])) for r in rows],
            "classification": [
                doc_value(r["doc_id"], "classification", classification_of(r["source"], config.retrieval))
                for r in rows
            ],
            "updated_at": pa.array(
                [doc_value(r["doc_id"], "updated_at", epoch) for r in rows], pa.timestamp("us", tz="UTC")
            ),
            "token_count": pa.array([int(tokens.get(r["chunk_id"], 0)) for r in rows], pa.int32()),
        }
    )
    lineage = {
        "lakehouse": str(lakehouse.resolve()),
        "tables": {
            name: {"name": f"{config.catalog}.{config.schema_name}.{name}", "version": table.version()}
            for name, table in tables.items()
        },
        "index": {
            "chunkset": index.manifest["chunkset"],
            "built_at": index.manifest["built_at"],
            "embedding_model": index.manifest["model_version"],
            "count": index.manifest["count"],
        },
    }
    return ChunkCatalog(index, directory, attributes, lineage)
