"""Orchestration: read, prepare (normalize + mask PII), chunk, embed, write Delta tables, check, index.

Incremental by construction. A document's `content_hash` covers its masked text and every setting
that shapes its chunks, so an unchanged document is skipped; chunk IDs are content addresses, so an
edited document embeds only its new chunks. Ingest writes a document's chunks before its row in
`documents` (the row is its commit marker); the embed stage embeds every chunk that has no embedding,
committing every `commit_every` chunks. A run interrupted anywhere is resumed by the next run, which
reuses what was committed and MERGEs the rest without duplicates.

Nothing is created before a run starts: the configuration, the engine and the corpus are checked
first. A run then holds the lakehouse's lock (`lock.py`) until it ends. Every document read is in
`documents` (a duplicate with `duplicate_of` set and no chunks); every file not read is in
`quarantine` with its reason; the result lists both, and the documents that were empty.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lakeward.errors import LakewardError
from workloads import chunking, embedding, expectations, indexing
from workloads.config import PipelineConfig, stable_hash
from workloads.corpus import Corpus, read_corpus
from workloads.duplicates import KEY_FIELDS, find_duplicates, with_keys
from workloads.engines import Engine, get_engine
from workloads.lock import lakehouse_lock
from workloads.model import model_version
from workloads.normalize import normalize_batch
from workloads.pii import scrub_batch, scrub_settings
from workloads.tables import (
    CHUNKS,
    DOCUMENTS,
    EMBEDDING_CONTEXT_FIELDS,
    EMBEDDINGS,
    LABELS,
    QUALITY,
    QUARANTINE,
    PathTables,
    TableStore,
)

log = logging.getLogger(__name__)
StageProgress = Callable[[str, int], Callable[[int], None]]
"""Called with a stage name and its total rows; returns the function that advances it."""

PREPARED_SCHEMA = pa.schema(
    [
        *[f for f in DOCUMENTS.schema if f.name in ("doc_id", "source", "title", "format", "text")],
        pa.field("language", pa.string()),
        pa.field("pii_counts", pa.string()),
        pa.field("pii_total", pa.int32()),
        *KEY_FIELDS,
    ]
)
TO_EMBED_SCHEMA = pa.schema([pa.field("chunk_id", pa.string()), pa.field("text", pa.string())])
EMBEDDED_SCHEMA = pa.schema(
    [pa.field("chunk_id", pa.string()), pa.field("embedding", embedding.EMBEDDING_TYPE)]
)


@dataclass
class RunResult:
    """What one run did; `to_json` is the CLI's `--json` object."""

    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    deleted: int = 0
    pii_masked: int = 0
    duplicates: int = 0
    changed: int = 0
    seconds: float = 0.0
    engine: str = "local"
    precision: str = "fp32"
    index_rebuilt: bool = False
    tables: dict[str, str] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    quality: list[dict] = field(default_factory=list)
    collapsed: list[dict] = field(default_factory=list)
    """Each duplicate document: `doc_id`, `duplicate_of` and the `rule` that matched."""
    quarantined: list[dict] = field(default_factory=list)
    """Each corpus file not read: `source` and `reason`."""
    empty: list[str] = field(default_factory=list)
    """The documents read that hold no text after normalization (not written)."""

    def to_json(self) -> dict:
        return asdict(self)


def prepare_batch(batch: pa.RecordBatch, config: PipelineConfig, key: bytes | None = None) -> pa.RecordBatch:
    """Stage: normalize, take the duplicate keys (digests of the text as written), then scrub PII, so
    that no raw value reaches a later stage."""
    scrubbed = scrub_batch(with_keys(normalize_batch(batch, config.normalize)), config.pii, key)
    return scrubbed.select(PREPARED_SCHEMA.names)  # the Spark engine maps columns by position


def content_hash(text: str, title: str, config: PipelineConfig) -> str:
    settings = json.dumps(
        [
            asdict(config.normalize),
            config.pii.fingerprint(),
            asdict(config.chunk),
            config.labels.fingerprint(),
        ],
        sort_keys=True,
    )
    return stable_hash(title, text, settings, model_version())


def _no_progress(stage: str, total: int) -> Callable[[int], None]:
    return lambda done: None


def _collect(parts, schema: pa.Schema) -> pa.Table:
    tables = list(parts)
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _with(table: pa.Table, **columns: pa.Array) -> pa.Table:
    for name, values in columns.items():
        table = table.append_column(name, values)
    return table


def _stamp(now: datetime, rows: int) -> pa.Array:
    return pa.array([now] * rows, pa.timestamp("us", tz="UTC"))


def _stop(outcomes: list[expectations.Outcome], where: str) -> LakewardError:
    lines = "; ".join(f"{o.table}.{o.expectation}: {o.observed}" for o in outcomes)
    return LakewardError(
        f"quality expectation failed {where}: {lines}",
        field="expectations",
        fix="fix the corpus (or the stage configuration) and rerun; the last good tables are kept",
        exit_code=3,
    )


@dataclass
class Run:
    """One run's shared state: the lakehouse folder (index, lineage, lock), the table store, the
    engine, the clock and the versions to restore on failure (taken when the run starts)."""

    lakehouse: Path
    store: TableStore
    config: PipelineConfig
    engine: Engine
    progress: StageProgress
    result: RunResult
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    versions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.result.engine = self.engine.name
        self.result.tables = {
            spec.name: self.store.full_name(spec)
            for spec in (DOCUMENTS, CHUNKS, EMBEDDINGS, QUALITY, QUARANTINE)
        }

    @contextmanager
    def started(self) -> Iterator[Run]:
        """Hold the lakehouse's lock and take the tables' versions (creating the tables on first use);
        every stage runs inside this block."""
        with lakehouse_lock(self.lakehouse, self.config.lock_wait_seconds):
            self.versions = self.store.versions()
            yield self

    def timed(self, stage: str, begin: float) -> None:
        clock = self.result.stage_seconds
        clock[stage] = round(clock.get(stage, 0.0) + time.perf_counter() - begin, 3)


def open_store(lakehouse: Path, config: PipelineConfig, engine: Engine) -> TableStore:
    """The run's tables: delta-rs under `lakehouse`, or Unity Catalog names through the Spark engine."""
    if config.tables == "path":
        return PathTables(lakehouse, config.catalog, config.schema)
    from workloads.engines.spark import SparkEngine

    if not isinstance(engine, SparkEngine):
        raise LakewardError(
            f"catalog tables are read and written through Spark, not the {engine.name} engine",
            field="--tables",
            fix="add --engine spark (as the Databricks jobs do), or use --tables path",
        )
    from workloads.catalog_tables import CatalogTables

    return CatalogTables(engine.spark, config.catalog, config.schema)


def open_run(
    lakehouse: Path,
    config: PipelineConfig | None = None,
    engine: str | Engine = "local",
    progress: StageProgress | None = None,
) -> Run:
    """Check the configuration, engine and table store; nothing is created until `Run.started`."""
    config = config or PipelineConfig()
    run_engine = get_engine(engine) if isinstance(engine, str) else engine
    return Run(
        lakehouse,
        open_store(lakehouse, config, run_engine),
        config,
        run_engine,
        progress or _no_progress,
        RunResult(),
    )


def read(run: Run, corpus: Path, limit: int | None = None) -> Corpus:
    """Read the corpus (refusing one with nothing to read) before the run starts."""
    begin = time.perf_counter()
    documents = read_corpus(corpus, limit, run.config.max_document_bytes)
    run.progress("read", documents.documents.num_rows)(documents.documents.num_rows)
    run.timed("read", begin)
    return documents


def ingest(run: Run, corpus: Corpus) -> int:
    """Prepare the documents read and chunk what changed; write chunks, then documents (duplicates
    with `duplicate_of` and no chunks); drop deleted documents; record the quarantined files.

    Returns the number of distinct chunk IDs this run produced.
    """
    config, store, result, now = run.config, run.store, run.result, run.now
    raw = corpus.documents
    begin = time.perf_counter()
    advance = run.progress("prepare", raw.num_rows)
    pii, key = scrub_settings(config.pii, run.engine)
    stage = partial(prepare_batch, config=replace(config, pii=pii), key=key)
    prepared = _collect(run.engine.map_batches(raw, stage, PREPARED_SCHEMA, 512, advance), PREPARED_SCHEMA)
    empty = pc.equal(pc.utf8_length(prepared["text"]), 0)
    result.empty = sorted(prepared.filter(empty)["doc_id"].to_pylist())
    prepared = prepared.filter(pc.invert(empty))
    collapses = find_duplicates(prepared)
    result.duplicates = len(collapses)
    result.collapsed = [asdict(collapses[d]) for d in sorted(collapses)]
    result.pii_masked = int(pc.sum(prepared["pii_total"]).as_py() or 0)
    ids, titles = prepared["doc_id"].to_pylist(), prepared["title"].to_pylist()
    hashes = [content_hash(t, h, config) for t, h in zip(prepared["text"].to_pylist(), titles, strict=True)]
    originals = [collapses[d].duplicate_of if d in collapses else None for d in ids]
    prepared = _with(
        prepared,
        content_hash=pa.array(hashes, pa.string()),
        duplicate_of=pa.array(originals, pa.string()),
        **_labels(config, prepared["source"].to_pylist(), [corpus.modified_at.get(d) for d in ids]),
    )
    run.timed("prepare", begin)

    staged = _with(
        prepared,
        chunk_count=pa.array([0] * prepared.num_rows, pa.int32()),
        updated_at=_stamp(now, prepared.num_rows),
    ).select(DOCUMENTS.schema.names)
    outcomes = expectations.check_table(DOCUMENTS, staged, config.expectations, now)
    if expectations.failures(outcomes):
        _record(store, outcomes, now)
        raise _stop(expectations.failures(outcomes), "on the staged documents; nothing was written")

    existing = store.read(
        DOCUMENTS, ["doc_id", "content_hash", "duplicate_of", "tenant", "source_modified_at"]
    ).to_pylist()
    tenant = config.labels.tenant
    _refuse_foreign(existing, ids, tenant, store.full_name(DOCUMENTS))
    known = {
        row["doc_id"]: (row["content_hash"], row["duplicate_of"], row["source_modified_at"])
        for row in existing
        if row["tenant"] in (tenant, None)
    }
    current = zip(ids, hashes, originals, prepared["source_modified_at"].to_pylist(), strict=True)
    changed = prepared.filter(pa.array([known.get(d) != (h, o, m) for d, h, o, m in current]))
    deleted_ids = sorted(set(known) - set(ids))
    result.changed, result.deleted = changed.num_rows, len(deleted_ids)

    begin = time.perf_counter()
    to_chunk = changed.filter(pc.is_null(changed["duplicate_of"]))
    advance = run.progress("chunk", to_chunk.num_rows)
    chunks = _collect(
        run.engine.map_batches(
            to_chunk, partial(chunking.chunk_batch, config=config.chunk), chunking.CHUNK_SCHEMA, 64, advance
        ),
        chunking.CHUNK_SCHEMA,
    )
    run.timed("chunk", begin)

    begin = time.perf_counter()
    touched = pa.array([*changed["doc_id"].to_pylist(), *deleted_ids], pa.string())
    old_keys = store.read(CHUNKS, ["doc_id", "chunk_id"])
    old_keys = old_keys.filter(pc.is_in(old_keys["doc_id"], touched))
    new_keys = set(zip(chunks["doc_id"].to_pylist(), chunks["chunk_id"].to_pylist(), strict=True))
    stale = [
        k
        for k in zip(old_keys["doc_id"].to_pylist(), old_keys["chunk_id"].to_pylist(), strict=True)
        if k not in new_keys
    ]
    store.delete(
        CHUNKS,
        pa.table(
            {"doc_id": [k[0] for k in stale], "chunk_id": [k[1] for k in stale]},
            schema=pa.schema([("doc_id", pa.string()), ("chunk_id", pa.string())]),
        ),
    )
    store.upsert(
        CHUNKS, _with(chunks, updated_at=_stamp(now, chunks.num_rows), **_doc_labels(changed, chunks))
    )
    counts = chunks.group_by("doc_id").aggregate([("chunk_id", "count")])
    per_doc = dict(zip(counts["doc_id"].to_pylist(), counts["chunk_id_count"].to_pylist(), strict=True))
    chunk_counts = pa.array([per_doc.get(d, 0) for d in changed["doc_id"].to_pylist()], pa.int32())
    store.upsert(
        DOCUMENTS, _with(changed, chunk_count=chunk_counts, updated_at=_stamp(now, changed.num_rows))
    )
    store.delete(DOCUMENTS, pa.table({"doc_id": pa.array(deleted_ids, pa.string())}))
    _record_quarantine(store, corpus, now)
    result.quarantined = [asdict(q) for q in corpus.quarantined]
    run.timed("write", begin)
    return len({chunk for _, chunk in new_keys})


def _labels(config: PipelineConfig, sources: list[str], modified: list[datetime | None]) -> dict:
    """The label columns of documents read from `sources`: the run's tenant, each source's
    classification (`SourceLabels`) and when each source last changed."""
    labels = config.labels
    return {
        "tenant": pa.array([labels.tenant] * len(sources), pa.string()),
        "classification": pa.array([labels.classify(source) for source in sources], pa.string()),
        "source_modified_at": pa.array(modified, pa.timestamp("us", tz="UTC")),
    }


def _doc_labels(documents: pa.Table, chunks: pa.Table) -> dict[str, pa.Array]:
    """Each chunk's label columns, taken from its document."""
    row_of = {doc: row for row, doc in enumerate(documents["doc_id"].to_pylist())}
    rows = pa.array([row_of[doc] for doc in chunks["doc_id"].to_pylist()], pa.int64())
    return {name: documents[name].combine_chunks().take(rows) for name in LABELS}


def _refuse_foreign(existing: list[dict], ids: list[str], tenant: str, table: str) -> None:
    """A run writes only its own tenant's rows: a document ID another tenant holds in the same
    tables stops the run before anything is written."""
    wanted = set(ids)
    foreign = sorted(
        (row["doc_id"], row["tenant"])
        for row in existing
        if row["doc_id"] in wanted and row["tenant"] not in (tenant, None)
    )
    if foreign:
        doc, owner = foreign[0]
        raise LakewardError(
            f"{len(foreign)} document(s) of this corpus, such as {doc!r}, belong to tenant {owner!r} "
            f"in {table}, not to {tenant!r}",
            field="--tenant",
            fix="give each tenant its own tables (--catalog/--schema), or run with that tenant's name",
        )


def _record_quarantine(store: TableStore, corpus: Corpus, now: datetime) -> None:
    """Make `quarantine` hold this run's quarantined files: new ones and new reasons in, cleared out."""
    before = {(r["source"], r["reason"]) for r in store.read(QUARANTINE, ["source", "reason"]).to_pylist()}
    now_in = {(q.source, q.reason) for q in corpus.quarantined}
    cleared = sorted({source for source, _ in before} - {source for source, _ in now_in})
    store.delete(QUARANTINE, pa.table({"source": pa.array(cleared, pa.string())}))
    added = sorted(now_in - before)
    store.upsert(
        QUARANTINE,
        pa.table(
            {
                "source": pa.array([source for source, _ in added], pa.string()),
                "reason": pa.array([reason for _, reason in added], pa.string()),
                "quarantined_at": _stamp(now, len(added)),
            }
        ),
    )


def embed(run: Run) -> int:
    """Embed every chunk without an embedding (committing as it goes), bring the chunk context beside
    each stored vector up to date, and drop embeddings no chunk uses."""
    config, store, now = run.config, run.store, run.now
    begin = time.perf_counter()
    context = _chunk_context(store)
    referenced = context["chunk_id"]
    stored = store.read(EMBEDDINGS, ["chunk_id"])["chunk_id"]
    missing = context.filter(pc.invert(pc.is_in(referenced, stored)))
    to_embed = missing.select(["chunk_id", "text"]) if missing.num_rows else TO_EMBED_SCHEMA.empty_table()
    embed_config = replace(config.embed, workers=run.engine.workers)
    advance = run.progress("embed", to_embed.num_rows)
    row_of = {chunk: row for row, chunk in enumerate(missing["chunk_id"].to_pylist())}
    embedded = 0
    for part in run.engine.map_batches(
        to_embed,
        partial(embedding.embed_batch, config=embed_config),
        EMBEDDED_SCHEMA,
        config.commit_every,
        advance,
    ):
        rows = missing.take(pa.array([row_of[c] for c in part["chunk_id"].to_pylist()], pa.int64()))
        rows = _with(
            rows.drop_columns(["chunk_id"]),
            chunk_id=part["chunk_id"],
            embedding=part["embedding"],
            model_version=pa.array([model_version()] * part.num_rows, pa.string()),
            created_at=_stamp(now, part.num_rows),
        )
        store.upsert(EMBEDDINGS, rows)
        embedded += part.num_rows
    _refresh_context(store, context)
    orphans = stored.filter(pc.invert(pc.is_in(stored, referenced)))
    store.delete(EMBEDDINGS, pa.table({"chunk_id": orphans}))
    run.result.embedded += embedded
    if embedded and run.engine.name == "local":
        run.result.precision = embedding.get_embedder(embed_config).precision
    else:
        run.result.precision = embed_config.precision
    run.timed("embed", begin)
    return embedded


CONTEXT_COLUMNS = ["chunk_id", *(f.name for f in EMBEDDING_CONTEXT_FIELDS)]


def _chunk_context(store: TableStore) -> pa.Table:
    """One row per chunk ID, sorted by it: what the embeddings table keeps beside the vector, from the
    chunk's row with the first doc_id (the same text in two documents is one chunk ID)."""
    chunks = store.read(CHUNKS, CONTEXT_COLUMNS).sort_by([("chunk_id", "ascending"), ("doc_id", "ascending")])
    ids = chunks["chunk_id"].to_numpy(zero_copy_only=False)
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    return chunks.filter(pa.array(first))


def _refresh_context(store: TableStore, context: pa.Table) -> None:
    """Rewrite the stored embeddings whose chunk context changed (a relabelled or retitled document),
    keeping their vectors, so the index synced from the table filters on current labels."""
    want = {row["chunk_id"]: row for row in context.to_pylist()}
    have = store.read(EMBEDDINGS, CONTEXT_COLUMNS).to_pylist()
    stale = [row["chunk_id"] for row in have if row["chunk_id"] in want and row != want[row["chunk_id"]]]
    if not stale:
        return
    kept = store.read(EMBEDDINGS, ["chunk_id", "model_version", "embedding", "created_at"])
    kept = kept.filter(pc.is_in(kept["chunk_id"], pa.array(stale, pa.string())))
    fresh = context.filter(pc.is_in(context["chunk_id"], kept["chunk_id"]))
    row_of = {chunk: row for row, chunk in enumerate(fresh["chunk_id"].to_pylist())}
    order = pa.array([row_of[c] for c in kept["chunk_id"].to_pylist()], pa.int64())
    store.upsert(EMBEDDINGS, _with(kept, **{n: fresh[n].take(order) for n in CONTEXT_COLUMNS[1:]}))


def check(run: Run, specs: tuple = (DOCUMENTS, CHUNKS, EMBEDDINGS)) -> dict[str, pa.Table]:
    """Run the expectations on the tables; on a failure, restore them to the run's start and stop."""
    begin = time.perf_counter()
    tables = {spec.name: run.store.read(spec) for spec in (DOCUMENTS, CHUNKS, EMBEDDINGS)}
    result = run.result
    changed = bool(result.changed or result.deleted or result.embedded)
    outcomes = [
        o
        for spec in specs
        for o in expectations.check_table(spec, tables[spec.name], run.config.expectations, run.now, changed)
    ]
    if EMBEDDINGS in specs:
        outcomes += expectations.check_references(tables["chunks"], tables["documents"], tables["embeddings"])
    _record(run.store, outcomes, run.now)
    result.quality = [asdict(o) for o in outcomes]
    result.documents, result.chunks = tables["documents"].num_rows, tables["chunks"].num_rows
    if expectations.failures(outcomes):
        run.store.restore(run.versions)
        raise _stop(
            expectations.failures(outcomes),
            "after writing; the tables were restored to the last good version",
        )
    run.timed("expectations", begin)
    return tables


def index(run: Run, tables: dict[str, pa.Table]) -> bool:
    """Rebuild the BM25 and HNSW indexes if the chunks changed since the last build."""
    begin = time.perf_counter()
    run.result.index_rebuilt = _refresh_index(
        run.lakehouse, tables["chunks"], tables["embeddings"], run.config
    )
    run.progress("index", 1)(1)
    run.timed("index", begin)
    return run.result.index_rebuilt


def run_pipeline(
    corpus: Path,
    lakehouse: Path,
    config: PipelineConfig | None = None,
    engine: str | Engine = "local",
    progress: StageProgress | None = None,
    limit: int | None = None,
) -> RunResult:
    """Bring the tables and the index in `lakehouse` up to date with the documents in `corpus`."""
    started = time.perf_counter()
    run = open_run(lakehouse, config, engine, progress)
    documents = read(run, corpus, limit)
    with run.started():
        produced = ingest(run, documents)
        embedded = embed(run)
        run.result.reused = max(0, produced - embedded)
        index(run, check(run))
    run.result.seconds = round(time.perf_counter() - started, 3)
    log.info(
        "pipeline run: %d documents, %d chunks, %d embedded, %d reused, %d deleted",
        run.result.documents,
        run.result.chunks,
        run.result.embedded,
        run.result.reused,
        run.result.deleted,
    )
    return run.result


def _record(store: TableStore, outcomes: list[expectations.Outcome], now: datetime) -> None:
    run_id = uuid.uuid4().hex
    rows = pa.table(
        {
            "run_id": [run_id] * len(outcomes),
            "table_name": [o.table for o in outcomes],
            "expectation": [o.expectation for o in outcomes],
            "passed": [o.passed for o in outcomes],
            "observed": [o.observed for o in outcomes],
            "measured_at": _stamp(now, len(outcomes)),
        }
    )
    rows = (
        rows.group_by(["run_id", "table_name", "expectation"])
        .aggregate([("passed", "min"), ("observed", "min"), ("measured_at", "min")])
        .rename_columns(["run_id", "table_name", "expectation", "passed", "observed", "measured_at"])
    )
    store.upsert(QUALITY, rows)


def _refresh_index(lakehouse: Path, chunks: pa.Table, embeddings: pa.Table, config: PipelineConfig) -> bool:
    """Rebuild the BM25 and HNSW indexes when the chunks, the model or the index settings changed."""
    directory = indexing.index_dir(lakehouse, config.catalog, config.schema)
    keys = [
        f"{d}/{c}" for d, c in zip(chunks["doc_id"].to_pylist(), chunks["chunk_id"].to_pylist(), strict=True)
    ]
    if indexing.is_current(indexing.read_manifest(directory), keys, config.index, model_version()):
        return False
    ordered = chunks.sort_by([("doc_id", "ascending"), ("chunk_index", "ascending")])
    position = {c: i for i, c in enumerate(embeddings["chunk_id"].to_pylist())}
    flat = (
        pc.list_flatten(embeddings["embedding"])
        .to_numpy(zero_copy_only=False)
        .reshape(-1, embedding.DIMENSION)
    )
    vectors = (
        flat[[position[c] for c in ordered["chunk_id"].to_pylist()]]
        if ordered.num_rows
        else np.zeros((0, embedding.DIMENSION))
    )
    indexing.build_index(
        ordered, np.ascontiguousarray(vectors, dtype=np.float32), directory, config.index, model_version()
    )
    return True
