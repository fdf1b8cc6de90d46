"""GPU embedding: the pipeline's encode path against raw sentence-transformers, SciFact corpus.

On one CUDA device, in one run: raw `SentenceTransformer.encode` in fp32 (the fidelity reference) and
in fp16 at batch 512 (the speed reference), then the pipeline's encode path (`Embedder.encode`: texts
tokenized up front, sorted by token length, batched to a token budget) in fp16 at several budgets and
in bf16, each behind its fidelity guard. Rounds are interleaved in rotating order; each figure is the
median of the rounds. Without CUDA it prints one line and exits 0.

Imports only what the lent GPU machine has (torch, sentence-transformers, tokenizers, numpy, pyarrow)
and Lakeward modules that need nothing more; `scripts/gpu_bench.sh` carries the inputs there:

    python -m benchmarks gpu_embedding       # inputs from LAKEWARD_GPU_CORPUS, LAKEWARD_GPU_MODEL...
    python -m benchmarks.gpu_embedding --corpus PATH/corpus.jsonl --model DIR [--budgets 32768,131072]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lakeward.locate import scifact_dir
from workloads.config import EmbedConfig
from workloads.corpus import read_corpus
from workloads.embedding import build_embedder, load_model, set_threads

SCIFACT = scifact_dir() / "corpus.jsonl"
RAW_BATCH = 512
BUDGETS = (32768, 131072, 524288)
ROUNDS = 3
TARGET = 3.0


@dataclass
class Run:
    """One way of encoding the corpus and what it measured."""

    encode: Callable[[list[str]], np.ndarray]
    ran: str = ""
    """The precision the encode path kept after its fidelity guard."""
    seconds: list[float] = field(default_factory=list)
    vectors: np.ndarray | None = None


def arguments(argv: list[str]) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_embedding")
    parser.add_argument("--corpus", type=Path, default=Path(env("LAKEWARD_GPU_CORPUS", str(SCIFACT))))
    parser.add_argument("--model", type=Path, default=env("LAKEWARD_GPU_MODEL"), help="default: packaged")
    parser.add_argument(
        "--budgets",
        default=env("LAKEWARD_GPU_BUDGETS", ",".join(map(str, BUDGETS))),
        help="token budgets of the fp16 encode path, comma-separated (bf16 runs at the CUDA default)",
    )
    parser.add_argument("--rounds", type=int, default=int(env("LAKEWARD_GPU_ROUNDS", str(ROUNDS))))
    return parser.parse_args(argv)


def measure(
    texts: list[str], device: str, model: Path | None, budgets: list[int], rounds: int
) -> tuple[dict[str, Run], int, float]:
    """Every path over the same texts, in rotating order, after one warm-up each; then the tokens the
    model sees (after truncation) and the seconds the encode path takes to tokenize them all at once."""
    import torch

    raw32, raw16 = load_model(device, "fp32", model), load_model(device, "fp16", model)
    runs = {
        "raw fp32": Run(lambda t: raw32.encode(t, batch_size=RAW_BATCH, normalize_embeddings=True)),
        "raw fp16": Run(lambda t: raw16.encode(t, batch_size=RAW_BATCH, normalize_embeddings=True)),
    }
    for precision, budget in [*(("fp16", b) for b in budgets), ("bf16", None)]:
        embedder = build_embedder(EmbedConfig(device=device, precision=precision, token_budget=budget), model)
        guard = "" if embedder.fidelity is None else f" (guard cosine {embedder.fidelity:.4f})"
        runs[f"ours {precision} {embedder.token_budget}"] = Run(embedder.encode, embedder.precision + guard)
    sync = torch.cuda.synchronize if device.startswith("cuda") else lambda: None
    for run in runs.values():
        run.encode(texts[:2048])
    names = list(runs)
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            sync()
            begin = time.perf_counter()
            vectors = np.asarray(runs[name].encode(texts), dtype=np.float32)
            sync()
            runs[name].seconds.append(time.perf_counter() - begin)
            runs[name].vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    begin = time.perf_counter()
    encodings = embedder.tokenizer.encode_batch_fast(texts)
    return runs, sum(len(e.ids) for e in encodings), time.perf_counter() - begin


def report(runs: dict[str, Run], tokens: int) -> float:
    """Print each path's figures; return the best encode path's speed-up over raw fp16."""
    raw, reference, best = statistics.median(runs["raw fp16"].seconds), runs["raw fp32"].vectors, 0.0
    for name, run in runs.items():
        median = statistics.median(run.seconds)
        cosine = np.sum(run.vectors * reference, axis=1)
        print(
            f"  {name:16s} {len(reference) / median:7.0f} docs/s {tokens / median:9.0f} tokens/s "
            f"{raw / median:5.2f}x raw fp16, cosine to raw fp32 mean {cosine.mean():.5f} "
            f"min {cosine.min():.5f}" + (f", ran {run.ran}" if run.ran else "")
        )
        if run.ran:
            best = max(best, raw / median)
    return best


def main(argv: list[str] | None = None) -> bool:
    import torch

    if not torch.cuda.is_available():
        print("  gpu_embedding: skipped, no CUDA device here (torch.cuda.is_available() is False)")
        return True
    args = arguments(argv or [])
    texts = read_corpus(args.corpus).documents["text"].to_pylist()
    threads = set_threads(EmbedConfig())
    budgets = [int(b) for b in args.budgets.split(",")]
    runs, tokens, tokenize = measure(texts, "cuda", args.model, budgets, args.rounds)
    print(
        f"  {torch.cuda.get_device_name()}, torch {torch.__version__}, {threads} CPU threads; model "
        f"{args.model or 'packaged'}; {len(texts)} documents of {args.corpus}, {tokens} tokens after "
        f"truncation, all tokenized in one call in {tokenize:.3f} s; median of "
        f"{args.rounds} interleaved rounds"
    )
    best = report(runs, tokens)
    met = best >= TARGET
    print(f"  best encode path / raw fp16: {best:.2f}x (target >= {TARGET}x) {'MET' if met else 'MISSED'}")
    return met


if __name__ == "__main__":
    main(sys.argv[1:])
