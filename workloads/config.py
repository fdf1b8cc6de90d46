"""Typed configuration for every stage; each stage receives only its own part."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Literal

from lakeward.errors import LakewardError

Precision = Literal["fp32", "bf16", "fp16"]
TableStore = Literal["path", "catalog"]


@dataclass(frozen=True)
class NormalizeConfig:
    """Unicode and whitespace normalization and language tagging."""

    lowercase: bool = False


PiiMode = Literal["mask", "pseudonymize"]
PII_TYPES = (
    *("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "DATE_OF_BIRTH", "IP_ADDRESS"),
    *("CREDIT_CARD", "IBAN_CODE", "US_SSN", "PASSPORT", "MEDICAL_RECORD_NUMBER", "BANK_ACCOUNT"),
    "CLOUD_ACCESS_KEY",
)

PII_PLACEHOLDER = r"\[(?:" + "|".join(PII_TYPES) + r")(?::[0-9a-f]{12})?\]"
"""What the scrub stage puts in place of a value: `[PERSON]`, or `[PERSON:9f2c41a07be3]` pseudonymized."""


@dataclass(frozen=True)
class PiiConfig:
    """Which PII types are replaced, and by what; every type is on by default."""

    mode: PiiMode = "mask"
    """`mask`: a typed placeholder (`[PERSON]`); `pseudonymize`: a keyed token per value and type
    (`[PERSON:9f2c41a07be3]`), the same in every document, so joins still work."""
    types: tuple[str, ...] = PII_TYPES
    threshold: float = 0.4
    """Findings scoring below this are dropped."""
    processes: int | None = None
    """spaCy processes for a batch; None: one per core but one on the local engine, one per Python
    worker on Spark (whose executors already run in parallel)."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.types) - set(PII_TYPES))
        if unknown:
            raise LakewardError(
                f"unknown PII types {unknown}", field="pii.types", fix=f"choose from {', '.join(PII_TYPES)}"
            )
        if self.mode not in ("mask", "pseudonymize"):
            raise LakewardError(
                f"unknown PII mode {self.mode!r}", field="--pii-mode", fix="use mask or pseudonymize"
            )

    def fingerprint(self) -> str:
        """What shapes the scrubbed text (not how many processes computed it)."""
        return json.dumps([self.mode, sorted(self.types), self.threshold])


MIN_CHUNK_TOKENS = 32


@dataclass(frozen=True)
class ChunkConfig:
    """Chunk size and overlap, counted in the embedding model's tokens."""

    max_tokens: int = 192
    overlap_tokens: int = 32

    def __post_init__(self) -> None:
        # Below 32 tokens a single long word can need more room than a chunk has, and would be cut.
        if not MIN_CHUNK_TOKENS <= self.max_tokens <= 512:
            raise LakewardError(
                f"chunks of {self.max_tokens} tokens",
                field="chunk.max_tokens",
                fix=f"use {MIN_CHUNK_TOKENS} to 512 tokens",
            )

    def fingerprint(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True)
class EmbedConfig:
    """Embedding model, batching, device and the optional fast path."""

    token_budget: int | None = None
    """Padded tokens per batch (texts sorted by length, each batch padded to its own longest); None:
    8,192 on CPU, 131,072 on CUDA."""
    precision: Precision = "fp32"
    """bf16 or fp16 (for CUDA) is the fast path, kept only when faithful (`min_fidelity`)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = None
    """Torch CPU threads for this worker; None shares the machine's cores among `workers`."""
    workers: int = 1
    min_fidelity: float = 0.98
    """The fast path is kept only when its cosine to fp32 on a sample is at least this."""

    def __post_init__(self) -> None:
        budget = self.token_budget
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or budget < 1):
            raise LakewardError(
                f"token budget {budget!r} is not a positive whole number of tokens",
                field="token_budget",
                fix="use a positive integer such as 8192 (CPU) or 131072 (GPU), or None for the default",
            )


@dataclass(frozen=True)
class IndexConfig:
    """HNSW graph parameters; BM25 has none worth tuning at this size.

    `m` and `ef_search` reach recall@10 of 0.95 against exact search at the lowest latency on SciFact's
    embeddings (`python -m benchmarks hnsw_recall`, which fails if these miss it): M=16, ef_search=24
    gave recall@10 0.963 at p50 0.019-0.020 ms per query. M=32, ef_search=16 (0.953) is as fast within
    the runs' noise (p50 0.017-0.020 ms; the two trade places between runs); M=16 is kept for its
    recall margin and its graph of half the links. hnswlib searches with the larger of `ef_search` and
    the number of hits asked for, so retrieval's deeper candidate lists search wider on their own."""

    m: int = 16
    ef_construction: int = 200
    ef_search: int = 24


CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
TENANT = re.compile(r"[a-z][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class SourceLabels:
    """Who owns the documents of a run and how sensitive they are, written into the `tenant` and
    `classification` columns of every document, chunk and embedding it produces. They come from
    configuration, never from the documents' paths; retrieval filters on them on both backends."""

    tenant: str = "default"
    classification: str = "internal"
    """The classification of every document, unless a rule below matches its source."""
    rules: tuple[tuple[str, str], ...] = ()
    """(source glob, classification) pairs, first match wins: `(("restricted/*", "restricted"),)`."""

    def __post_init__(self) -> None:
        if not TENANT.fullmatch(self.tenant):
            raise LakewardError(
                f"tenant {self.tenant!r} is not a tenant name",
                field="--tenant",
                fix="use lowercase letters, digits and underscores, starting with a letter",
            )
        for label in (self.classification, *(label for _, label in self.rules)):
            if label not in CLASSIFICATIONS:
                raise LakewardError(
                    f"unknown classification {label!r}",
                    field="--classification",
                    fix=f"use one of {', '.join(CLASSIFICATIONS)}",
                )

    def classify(self, source: str) -> str:
        """The classification of the document read from `source`."""
        return next(
            (label for pattern, label in self.rules if fnmatch.fnmatchcase(source, pattern)),
            self.classification,
        )

    def fingerprint(self) -> str:
        return json.dumps([self.tenant, self.classification, [list(rule) for rule in self.rules]])


@dataclass(frozen=True)
class ExpectationConfig:
    """Limits that the quality expectations check."""

    max_age_hours: float = 24.0


@dataclass(frozen=True)
class PipelineConfig:
    """Everything one pipeline run needs, with the Unity Catalog names of its tables."""

    catalog: str = "llm_dev"
    schema: str = "curated"
    tables: TableStore = "path"
    """Where the tables live: `path` (delta-rs under the lakehouse folder) or `catalog` (Unity Catalog
    names through the Spark engine's session)."""
    labels: SourceLabels = field(default_factory=SourceLabels)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    pii: PiiConfig = field(default_factory=PiiConfig)
    chunk: ChunkConfig = field(default_factory=ChunkConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    expectations: ExpectationConfig = field(default_factory=ExpectationConfig)
    commit_every: int = 256
    """Embeddings are committed every this many chunks, so an interrupted run resumes where it stopped."""
    max_document_bytes: int = 8 * 1024 * 1024
    """A corpus file larger than this is quarantined, not read."""
    lock_wait_seconds: float = 60.0
    """How long a run waits for another run holding the same lakehouse before it stops (exit 2)."""


def stable_hash(*parts: str, size: int = 32) -> str:
    """A content address: the hex SHA-256 of the parts, separated so that no two joins collide."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:size]
