"""Run every benchmark, or those named on the command line: `python -m benchmarks synth`."""

from __future__ import annotations

import importlib
import os
import sys
from datetime import date

from lakeward.locate import scifact_missing

BENCHMARKS = [
    "synth",
    "scan",
    "tenants",
    "inner_loop",
    "evidence",
    "rehearsal",
    "embedding_throughput",
    "gpu_embedding",
    "spark_throughput",
    "incremental_rerun",
    "maintenance",
    "rag",
    "hnsw_recall",
    "pii_quality",
    "pii_throughput",
    "pii_retrieval",
]


# These read SciFact; without it they are skipped, saying how to provide it.
NEEDS_SCIFACT = {
    "embedding_throughput",
    "gpu_embedding",
    "spark_throughput",
    "incremental_rerun",
    "maintenance",
    "pii_retrieval",
    "pii_throughput",
    "rag",
    "hnsw_recall",
}


def main(names: list[str]) -> int:
    """Run the benchmarks; exit 1 when any misses its target (each prints MET or MISSED). No benchmark
    starts a resident worker unless it measures them (`inner_loop` does, in a folder of its own)."""
    os.environ["LAKEWARD_WORKERS"] = "off"
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    missed, skipped = [], []
    for name in names or BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        if name in NEEDS_SCIFACT and scifact_missing():
            print(f"  SKIPPED: {scifact_missing()}")
            skipped.append(name)
        elif not importlib.import_module(f"benchmarks.{name}").main():
            missed.append(name)
    ran = len(names or BENCHMARKS) - len(skipped)
    print(
        f"\n{date.today().isoformat()}: {ran - len(missed)} of {ran} met"
        f"; missed: {', '.join(missed) or 'none'}; skipped: {', '.join(skipped) or 'none'}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
