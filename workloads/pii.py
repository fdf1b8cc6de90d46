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
from workloads.privacy.detection import Finding, default_processes, detector
from workloads.privacy.tokens import mask, pii_key, pseudonymize


def scrub_settings(config: PiiConfig, engine: Engine) -> tuple[PiiConfig, bytes | None]:
    """The stage's configuration for `engine` (processes resolved) and its key; a pseudonymizing run
    without a key is refused here, before anything is written."""
    if config.processes is None:
        config = replace(config, processes=default_processes() if engine.name == "local" else 1)
    return config, pii_key() if config.mode == "pseudonymize" else None


def _key(config: PiiConfig, key: bytes | None) -> bytes | None:
    if config.mode == "pseudonymize":
        return key or pii_key()
    return None


def _replace(text: str, findings: list[Finding], key: bytes | None) -> str:
    return pseudonymize(text, findings, key) if key else mask(text, findings)


def scrub_texts(
    texts: list[str], config: PiiConfig, key: bytes | None = None
) -> list[tuple[str, Counter[str]]]:
    """Each text scrubbed, with its findings counted per entity type."""
    key = _key(config, key)
    found = detector().analyze(texts, config.types, config.threshold, config.processes or 1)
    return [(_replace(t, f, key), Counter(x.type for x in f)) for t, f in zip(texts, found, strict=True)]


def _split(findings: list[Finding], cut: int) -> tuple[list[Finding], list[Finding]]:
    """Findings before offset `cut` and after it (shifted); one across it is split in two."""
    head = [replace(f, end=min(f.end, cut - 1)) for f in findings if f.start < cut - 1]
    tail = [replace(f, start=max(0, f.start - cut), end=f.end - cut) for f in findings if f.end > cut]
    return head, tail


def scrub_batch(batch: pa.RecordBatch, config: PiiConfig, key: bytes | None = None) -> pa.RecordBatch:
    """Stage: scrub `title` and `text` (analyzed together: each is the other's context); add
    `pii_counts` and `pii_total`."""
    key = _key(config, key)
    titles, texts = batch.column("title").to_pylist(), batch.column("text").to_pylist()
    joined = [f"{title}\n{text}" for title, text in zip(titles, texts, strict=True)]
    found = detector().analyze(joined, config.types, config.threshold, config.processes or 1)
    scrubbed_titles, scrubbed_texts, counts = [], [], []
    for title, text, findings in zip(titles, texts, found, strict=True):
        head, tail = _split(findings, len(title) + 1)
        scrubbed_titles.append(_replace(title, head, key))
        scrubbed_texts.append(_replace(text, tail, key))
        counts.append(Counter(f.type for f in findings))
    columns = {name: batch.column(name) for name in batch.schema.names}
    columns["title"] = pa.array(scrubbed_titles, pa.string())
    columns["text"] = pa.array(scrubbed_texts, pa.string())
    columns["pii_counts"] = pa.array([json.dumps(dict(sorted(c.items()))) for c in counts], pa.string())
    columns["pii_total"] = pa.array([c.total() for c in counts], pa.int32())
    return pa.RecordBatch.from_pydict(columns)
