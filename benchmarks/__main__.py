"""Run every benchmark module in turn: `python -m benchmarks [name ...]`."""

from __future__ import annotations

import importlib
import sys

MODULES = ["embedding_throughput", "spark_throughput", "incremental_rerun"]


def main(names: list[str]) -> int:
    failed = []
    for name in names or MODULES:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n== {name}: {module.__doc__.strip().splitlines()[0]}")
        if not module.main():
            failed.append(name)
    print(
        f"\n{len(names or MODULES) - len(failed)} met their targets, {len(failed)} missed: {failed or 'none'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
