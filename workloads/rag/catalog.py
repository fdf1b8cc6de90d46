"""The chunk catalog: the pipeline's index plus the chunk attributes that retrieval filters on.

The pipeline (`workloads`) builds the BM25 and HNSW indexes and the Delta tables; this module
only reads them. Each index row gets its chunk's `tenant`, `classification` and `modified_at` (when
its source last changed, else when the pipeline wrote it) from the columns the pipeline set from its
configuration. A row without labels (written before the pipeline set them) has no tenant and no
classification, so no tenant filter and no allowed classification admits it until the next run labels
it. `lineage` records the table and index versions an answer was drawn from.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lakeward.errors import LakewardError
from workloads.indexing import INDEX_FOLDER, ChunkIndex, index_dir
from workloads.rag.config import RagConfig
from workloads.tables import CHUNKS, LABELS, PathTables


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
    store = PathTables(lakehouse, config.catalog, config.schema_name)
    chunks = store.read(CHUNKS, ["doc_id", "chunk_id", "token_count", *LABELS, "updated_at"])
    pairs = zip(chunks["doc_id"].to_pylist(), chunks["chunk_id"].to_pylist(), strict=True)
    row_of = {key: row for row, key in enumerate(pairs)}
    keys = zip(index.metadata["doc_id"].to_pylist(), index.metadata["chunk_id"].to_pylist(), strict=True)
    rows = pa.array([row_of.get(key) for key in keys], pa.int64())
    attributes = pa.table(
        {
            "tenant": chunks["tenant"].take(rows),
            "classification": chunks["classification"].take(rows),
            "modified_at": pc.coalesce(
                chunks["source_modified_at"].take(rows), chunks["updated_at"].take(rows)
            ),
            "token_count": pc.fill_null(chunks["token_count"].take(rows), 0),
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
