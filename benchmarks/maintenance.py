"""Table upkeep: what `lakeward maintain` buys after incremental runs, in files and in the read time of
the retrieval path (the chunks and embeddings tables), measured before and after in one run.

A lakehouse over 120 SciFact abstracts, then 8 incremental runs that each revise 5 abstracts (every
run MERGEs new small files into the tables); then the retrieval tables are read 5 times, upkeep runs,
and they are read 5 times again.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from deltalake import DeltaTable

from benchmarks.common import SCIFACT, verdict
from workloads.maintenance import maintain_lakehouse
from workloads.pipeline import run_pipeline

DOCUMENTS, RUNS, EDITS, READS = 120, 8, 5, 5


def _read_seconds(tables: list[Path]) -> float:
    timings = []
    for _ in range(READS):
        started = time.perf_counter()
        for path in tables:
            DeltaTable(str(path)).to_pyarrow_table()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> bool:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        records = [json.loads(line) for line, _ in zip(SCIFACT.open(), range(DOCUMENTS), strict=False)]
        corpus, lakehouse = root / "corpus.jsonl", root / "lh"
        corpus.write_text("".join(json.dumps(r) + "\n" for r in records))
        run_pipeline(corpus, lakehouse)
        for run in range(RUNS):
            for record in records[run * EDITS : (run + 1) * EDITS]:
                record["text"] += f" Revised in run {run}."
            corpus.write_text("".join(json.dumps(r) + "\n" for r in records))
            run_pipeline(corpus, lakehouse)
        retrieval = [
            log.parent for log in lakehouse.rglob("_delta_log") if log.parent.name in ("chunks", "embeddings")
        ]
        before = _read_seconds(retrieval)
        results = maintain_lakehouse(lakehouse)
        after = _read_seconds(retrieval)
    print(f"{'table':12} {'files':>12} {'MB':>14} {'rows':>6}")
    for r in results:
        print(
            f"{r.table:12} {r.files_before:>5} -> {r.files_after:<4} "
            f"{r.bytes_before / 1e6:>6.2f} -> {r.bytes_after / 1e6:<5.2f} {r.rows:>6}"
        )
    print(f"  retrieval tables read, median of {READS}: {before * 1e3:.1f} ms, then {after * 1e3:.1f} ms")
    files = sum(r.files_before for r in results), sum(r.files_after for r in results)
    fewer = verdict("live files after / before", files[1] / files[0], 0.25, higher_is_better=False)
    faster = verdict("read time after / before", after / before, 1.0, higher_is_better=False)
    return fewer and faster
