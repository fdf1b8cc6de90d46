"""The local engine: stages run in this process, batch after batch."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from workloads.engines import Progress, Stage, conform


class LocalEngine:
    name = "local"
    workers = 1

    def map_batches(
        self, table: pa.Table, stage: Stage, schema: pa.Schema, batch_rows: int, progress: Progress
    ) -> Iterator[pa.Table]:
        for batch in table.to_batches(max_chunksize=batch_rows):
            result = stage(batch)
            progress(batch.num_rows)
            yield conform(pa.Table.from_batches([result]), schema)
