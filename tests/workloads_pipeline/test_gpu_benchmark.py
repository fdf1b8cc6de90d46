"""The GPU benchmark's measuring code runs (on CPU here, with a few texts), so a lent GPU's minutes go
to measuring; without CUDA the benchmark says it skipped."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import gpu_embedding

TEXTS = [
    "Glucose uptake in skeletal muscle rose after eight weeks of interval training.",
    "",
    "Statins lowered LDL cholesterol in the treated group. " * 30,
    "Vitamin D",
]


@pytest.mark.slow
def test_every_path_is_measured_against_raw_fp32(capsys: pytest.CaptureFixture[str]) -> None:
    runs, tokens, tokenize = gpu_embedding.measure(TEXTS, "cpu", None, [64, 8192], rounds=1)
    assert list(runs) == ["raw fp32", "raw fp16", "ours fp16 64", "ours fp16 8192", "ours bf16 8192"]
    assert tokens > 256 and tokenize >= 0
    for run in runs.values():
        assert len(run.seconds) == 1 and run.vectors.shape == (len(TEXTS), 384)
        assert np.sum(run.vectors * runs["raw fp32"].vectors, axis=1).min() > 0.99
    assert runs["ours fp16 8192"].ran.startswith("fp16 (guard cosine")
    assert gpu_embedding.report(runs, tokens) > 0
    assert "x raw fp16" in capsys.readouterr().out


def test_without_cuda_it_skips(capsys: pytest.CaptureFixture[str]) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("CUDA is here")
    assert gpu_embedding.main([]) is True
    assert capsys.readouterr().out.strip().startswith("gpu_embedding: skipped, no CUDA device")
