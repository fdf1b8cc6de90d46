"""Run every benchmark, or those named on the command line: `python -m benchmarks [name ...]`.

A module's `main()` returns False when it missed a target (None: it only reports figures)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["synth", "embedding_throughput", "spark_throughput", "incremental_rerun", "rag"]


def main(names: list[str]) -> int:
    failed = []
    for name in names or BENCHMARKS:
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        print(f"\n=== {name} ===", flush=True)
        if importlib.import_module(f"benchmarks.{name}").main() is False:
            failed.append(name)
    print(f"\nmissed their targets: {failed or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
