"""Run every benchmark, or those named on the command line: `python -m benchmarks synth`."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "synth",
    "scan",
    "tenants",
    "evidence",
    "rehearsal",
    "embedding_throughput",
    "gpu_embedding",
    "spark_throughput",
    "incremental_rerun",
    "rag",
    "pii_quality",
    "pii_throughput",
    "pii_retrieval",
]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
