"""Drift: recent requests against a reference window, one statistic per signal.

Signals (from the request log the chain writes): the query embeddings (each query's cosine to the
reference centroid), the fallback and refusal rates, latency and answer length. Continuous signals use
PSI over reference quintiles and the two-sample KS test; rates use PSI over the two outcomes. A continuous
signal breaches when the KS test rejects at `ks_alpha` and either its PSI exceeds `psi_max` or its KS
statistic exceeds `ks_min` (PSI alone is noisy on a window of a hundred requests); a rate breaches
when its PSI exceeds `psi_max`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from lakeward.errors import LakewardError

EPSILON = 1e-4


@dataclass(frozen=True)
class Signal:
    name: str
    method: str
    psi: float
    ks: float | None
    p_value: float | None
    reference: float
    recent: float
    breach: bool


@dataclass
class MonitorResult:
    reference_size: int
    recent_size: int
    signals: list[Signal]

    @property
    def breaches(self) -> list[str]:
        return [s.name for s in self.signals if s.breach]

    def to_json(self) -> dict:
        return {**asdict(self), "breaches": self.breaches}


def psi(reference: np.ndarray, recent: np.ndarray, bins: int = 5) -> float:
    """Population stability index of `recent` against `reference`, over reference quantile bins."""
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        edges = np.array([reference.min() - 0.5, reference.min() + 0.5])
    edges[0], edges[-1] = -np.inf, np.inf
    expected = np.histogram(reference, edges)[0] / len(reference)
    actual = np.histogram(recent, edges)[0] / len(recent)
    expected, actual = np.clip(expected, EPSILON, None), np.clip(actual, EPSILON, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def rate_psi(reference: np.ndarray, recent: np.ndarray) -> float:
    p, q = np.clip(reference.mean(), EPSILON, 1 - EPSILON), np.clip(recent.mean(), EPSILON, 1 - EPSILON)
    return float((q - p) * np.log(q / p) + ((1 - q) - (1 - p)) * np.log((1 - q) / (1 - p)))


def read_requests(path: Path) -> list[dict]:
    if not path.is_file():
        raise LakewardError(
            "does not exist",
            source=str(path),
            field="--log",
            fix="serve or ask the model first; each answer appends a record to the request log",
        )
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise LakewardError(
            "not UTF-8 text", source=str(path), field="--log", fix="pass the request log"
        ) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            raise LakewardError(
                f"line {number} is not a JSON request record",
                source=str(path),
                field="--log",
                fix="pass the request log `serve` and `ask` append to (one JSON object a line)",
            )
        records.append(record)
    return records


MIN_WINDOW = 10


def enough_requests(count: int, recent: int) -> bool:
    """Whether `count` requests fill a recent window of `recent` and a reference window, each of
    `MIN_WINDOW` or more."""
    return recent >= MIN_WINDOW and count >= recent + MIN_WINDOW


def compare(
    records: list[dict], recent: int, psi_max: float = 0.25, ks_alpha: float = 0.01, ks_min: float = 0.2
) -> MonitorResult:
    """The last `recent` records against all earlier ones."""
    from scipy.stats import ks_2samp

    if not enough_requests(len(records), recent):
        raise LakewardError(
            f"needs {MIN_WINDOW}+ recent and {MIN_WINDOW}+ reference requests: has {len(records)} "
            f"for a window of {recent}",
            field="--recent",
            fix="lower --recent (10 or more) or collect more requests",
        )
    reference, current = records[:-recent], records[-recent:]
    signals: list[Signal] = []

    def continuous(name: str, ref: np.ndarray, cur: np.ndarray) -> None:
        test = ks_2samp(ref, cur)
        value = psi(ref, cur)
        breach = bool(test.pvalue < ks_alpha and (value > psi_max or test.statistic > ks_min))
        signals.append(
            Signal(
                name,
                "psi+ks",
                round(value, 4),
                round(float(test.statistic), 4),
                float(test.pvalue),
                round(float(ref.mean()), 4),
                round(float(cur.mean()), 4),
                breach,
            )
        )

    def rate(name: str, ref: np.ndarray, cur: np.ndarray) -> None:
        value = rate_psi(ref, cur)
        signals.append(
            Signal(
                name,
                "psi",
                round(value, 4),
                None,
                None,
                round(float(ref.mean()), 4),
                round(float(cur.mean()), 4),
                value > psi_max,
            )
        )

    ref_vectors = np.array([r["embedding"] for r in reference if r.get("embedding")], dtype=np.float32)
    cur_vectors = np.array([r["embedding"] for r in current if r.get("embedding")], dtype=np.float32)
    if len(ref_vectors) >= 10 and len(cur_vectors) >= 10:
        centroid = ref_vectors.mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        continuous("query_embedding", ref_vectors @ centroid, cur_vectors @ centroid)
    rate(
        "fallback_rate",
        np.array([r["fallback"] for r in reference], float),
        np.array([r["fallback"] for r in current], float),
    )
    rate(
        "refusal_rate",
        np.array([r["refused"] for r in reference], float),
        np.array([r["refused"] for r in current], float),
    )
    for name, key in (("latency_ms", "latency_ms"), ("answer_length", "answer_chars")):
        continuous(
            name, np.array([r[key] for r in reference], float), np.array([r[key] for r in current], float)
        )
    return MonitorResult(len(reference), len(current), signals)


def drift_error(result: MonitorResult) -> LakewardError:
    return LakewardError(
        f"drift on {', '.join(result.breaches)}",
        field=result.breaches[0],
        fix="inspect recent traces and requests; re-evaluate and release a model for the new traffic",
        exit_code=3,
    )
