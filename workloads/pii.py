"""The scrub stage: PII in `title` and `text` replaced before anything is chunked, embedded or indexed.

Detection is `workloads.privacy` (Presidio + spaCy, batched); each value becomes a typed placeholder
(`mask`) or a keyed pseudonym (`pseudonymize`). The stage adds `pii_counts` (JSON: findings per
entity type) and `pii_total`; no raw value leaves it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import pyarrow as pa

from workloads.config import PiiConfig
from workloads.engines import Engine
from workloads.privacy.detection import default_processes, detector
from workloads.privacy.tokens import mask, pii_key, pseudonymize


def scrub_settings(config: PiiConfig, engine: Engine) -> tuple[PiiConfig, bytes | None]:
    """The stage's configuration for `engine` (processes resolved) and its key; a pseudonymizing run
    without a key is refused here, before anything is written."""
    if config.processes is None:
        config = replace(config, processes=default_processes() if engine.name == "local" else 1)
    return config, pii_key() if config.mode == "pseudonymize" else None


def scrub_texts(
    texts: list[str], config: PiiConfig, key: bytes | None = None
) -> list[tuple[str, Counter[str]]]:
    """Each text scrubbed, with its findings counted per entity type."""
    if config.mode == "pseudonymize" and not key:
        key = pii_key()
    found = detector().analyze(texts, config.types, config.threshold, config.processes or 1)
    scrubbed = []
    for text, findings in zip(texts, found, strict=True):
        out = pseudonymize(text, findings, key) if key else mask(text, findings)
        scrubbed.append((out, Counter(f.type for f in findings)))
    return scrubbed


def scrub_batch(batch: pa.RecordBatch, config: PiiConfig, key: bytes | None = None) -> pa.RecordBatch:
    """Stage: scrub `title` and `text`; add `pii_counts` and `pii_total`."""
    titles, texts = batch.column("title").to_pylist(), batch.column("text").to_pylist()
    results = scrub_texts([*titles, *texts], config, key)
    counts = [
        title[1] + text[1] for title, text in zip(results[: len(titles)], results[len(titles) :], strict=True)
    ]
    columns = {name: batch.column(name) for name in batch.schema.names}
    columns["title"] = pa.array([r[0] for r in results[: len(titles)]], pa.string())
    columns["text"] = pa.array([r[0] for r in results[len(titles) :]], pa.string())
    columns["pii_counts"] = pa.array([json.dumps(dict(sorted(c.items()))) for c in counts], pa.string())
    columns["pii_total"] = pa.array([c.total() for c in counts], pa.int32())
    return pa.RecordBatch.from_pydict(columns)
