"""Quality expectations per table: schema, non-null, unique keys, freshness, vector shape.

Each check yields a metric row; `failures` picks the ones that stop a run.

These are not checks of the policy pack's kind (`policies.base.Check`), which judge synthesized
infrastructure: they run over Arrow tables inside the pipeline, on one machine or a Spark executor, and
must not depend on the policy pack. In the pack's words, an `Outcome`'s `expectation` is the check's ID,
`passed` its verdict and `observed` the reason; the field names are the columns of the
`quality_metrics` table and the run summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workloads.config import ExpectationConfig
from workloads.model import DIMENSION
from workloads.tables import EMBEDDINGS, TableSpec


@dataclass(frozen=True)
class Outcome:
    table: str
    expectation: str
    passed: bool
    observed: str


def _type_name(data_type: pa.DataType) -> str:
    """A type's name without list field names, which Delta readers spell differently."""
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        return f"list<{_type_name(data_type.value_type)}>"
    return str(data_type)


def _schema(spec: TableSpec, table: pa.Table) -> Outcome:
    want = [(f.name, _type_name(f.type)) for f in spec.schema]
    have = [(f.name, _type_name(f.type)) for f in table.schema]
    missing = sorted(set(want) - set(have))
    return Outcome(
        spec.name, "schema", not missing, f"missing or retyped: {missing}" if missing else "matches"
    )


def _non_null(spec: TableSpec, table: pa.Table) -> Outcome:
    nulls = {
        f.name: table.column(f.name).null_count
        for f in spec.schema
        if not f.nullable and f.name in table.column_names
    }
    bad = {name: count for name, count in nulls.items() if count}
    return Outcome(spec.name, "non_null", not bad, f"nulls: {bad}" if bad else "none")


def _unique(spec: TableSpec, table: pa.Table) -> Outcome:
    keys = table.select(list(spec.keys))
    distinct = keys.group_by(list(spec.keys)).aggregate([]).num_rows if keys.num_rows else 0
    duplicated = keys.num_rows - distinct
    return Outcome(
        spec.name, f"unique({', '.join(spec.keys)})", duplicated == 0, f"{duplicated} duplicated keys"
    )


def _freshness(
    spec: TableSpec, table: pa.Table, config: ExpectationConfig, now: datetime, changed: bool
) -> Outcome:
    column = "created_at" if spec is EMBEDDINGS else "updated_at"
    if not table.num_rows:
        return Outcome(spec.name, "freshness", True, "empty")
    newest = pc.max(table.column(column)).as_py()
    age = (now - newest).total_seconds() / 3600
    fresh = age <= config.max_age_hours or not changed
    note = "" if changed else " (verified current: nothing changed in the corpus)"
    return Outcome(spec.name, "freshness", fresh, f"newest row {age:.2f} h old{note}")


def _vectors(table: pa.Table) -> Outcome:
    if not table.num_rows:
        return Outcome(EMBEDDINGS.name, "unit_vectors", True, "empty")
    lengths = pc.list_value_length(table.column("embedding")).to_numpy(zero_copy_only=False)
    if np.any(lengths != DIMENSION):
        return Outcome(EMBEDDINGS.name, "unit_vectors", False, f"dimension not {DIMENSION}")
    flat = pc.list_flatten(table.column("embedding")).to_numpy(zero_copy_only=False).reshape(-1, DIMENSION)
    norms = np.linalg.norm(flat, axis=1)
    worst = float(np.max(np.abs(norms - 1.0)))
    return Outcome(EMBEDDINGS.name, "unit_vectors", worst < 1e-2, f"max |norm - 1| = {worst:.2e}")


def check_table(
    spec: TableSpec, table: pa.Table, config: ExpectationConfig, now: datetime, changed: bool = True
) -> list[Outcome]:
    """Every expectation for one table (staged rows or the whole table)."""
    outcomes = [_schema(spec, table)]
    if outcomes[0].passed:
        outcomes += [_non_null(spec, table), _unique(spec, table)]
        if any(f.name in ("updated_at", "created_at") for f in spec.schema):
            outcomes.append(_freshness(spec, table, config, now, changed))
        if spec is EMBEDDINGS:
            outcomes.append(_vectors(table))
    return outcomes


def check_references(chunks: pa.Table, documents: pa.Table, embeddings: pa.Table) -> list[Outcome]:
    """Every chunk belongs to a document and has an embedding."""
    orphans = pc.sum(pc.invert(pc.is_in(chunks["doc_id"], documents["doc_id"]))).as_py() or 0
    missing = pc.sum(pc.invert(pc.is_in(chunks["chunk_id"], embeddings["chunk_id"]))).as_py() or 0
    return [
        Outcome("chunks", "doc_id in documents", orphans == 0, f"{orphans} chunks without a document"),
        Outcome("chunks", "chunk_id in embeddings", missing == 0, f"{missing} chunks without an embedding"),
    ]


def failures(outcomes: list[Outcome]) -> list[Outcome]:
    return [outcome for outcome in outcomes if not outcome.passed]
