#!/usr/bin/env bash
# The GPU embedding benchmark (benchmarks/gpu_embedding.py) on a CUDA machine that has a copy of the
# checkout but cannot install the package.
#
#   scripts/gpu_bench.sh prepare   on the development machine: copies the inputs into .cache/gpu-bench:
#                                  the model folder with its weights stored as fp16 (the fp32 file is
#                                  87 MiB) and SciFact's corpus.jsonl
#   scripts/gpu_bench.sh run       on the CUDA machine: runs the benchmark with the checkout on PYTHONPATH
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench="$root/.cache/gpu-bench"
limit_mib=60 # keep the checkout and the prepared folder small enough to copy quickly

case "${1:-}" in
prepare)
  rm -rf "$bench"
  mkdir -p "$bench/scifact"
  cp "${SCIFACT_CORPUS:-$root/../shared/data/scifact/corpus.jsonl}" "$bench/scifact/corpus.jsonl"
  "${PYTHON:-$root/.venv/bin/python}" - "$bench/model" <<'PY'
import shutil
import sys

from safetensors.torch import load_file, save_file

from workloads.model import model_dir

source, target = model_dir(), sys.argv[1]
shutil.copytree(source, target, ignore=shutil.ignore_patterns("model.safetensors", "README.md", ".git*"))
weights = load_file(source / "model.safetensors")
half = {name: w.half() if w.is_floating_point() else w for name, w in weights.items()}
save_file(half, f"{target}/model.safetensors", metadata={"format": "pt"})
PY
  du -sh "$bench/model" "$bench/scifact"
  tree_kib=$(cd "$root" && git ls-files -co --exclude-standard -z | du -c --apparent-size -k --files0-from=- | tail -1 | cut -f1)
  bench_kib=$(du -s --apparent-size -k "$bench" | cut -f1)
  total_mib=$(((tree_kib + bench_kib) / 1024))
  echo "travels: working tree $((tree_kib / 1024)) MiB + .cache/gpu-bench $((bench_kib / 1024)) MiB = $total_mib MiB"
  if [ "$total_mib" -gt "$limit_mib" ]; then
    echo "over ${limit_mib} MiB: remove large untracked files from the checkout first" >&2
    exit 1
  fi
  echo "prepared $bench: copy the checkout with it to the CUDA machine and run 'bash scripts/gpu_bench.sh run' there"
  ;;
run)
  test -f "$bench/model/model.safetensors" || { echo "no $bench: run 'scripts/gpu_bench.sh prepare' first and copy .cache/gpu-bench along" >&2; exit 2; }
  export PYTHONPATH="$root" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
  export LAKEWARD_GPU_CORPUS="$bench/scifact/corpus.jsonl" LAKEWARD_GPU_MODEL="$bench/model"
  log="${OUT:-$bench}/gpu_embedding.txt"
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader | tee "$log" || true
  cd "$root"
  "${PYTHON:-python3}" -m benchmarks gpu_embedding 2>&1 | tee -a "$log"
  ;;
*)
  echo "usage: scripts/gpu_bench.sh prepare|run" >&2
  exit 2
  ;;
esac
