"""What masking costs retrieval: BM25 nDCG@10 on the full SciFact corpus (train qrels), with the
documents raw and with them scrubbed by the pipeline's stage; the scrub stage's findings on SciFact.

BM25 is where masking bites (a masked term cannot match); the target is a drop of at most 0.005.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter, defaultdict
from dataclasses import replace

import bm25s
import Stemmer

from benchmarks.common import SCIFACT, verdict
from workloads.config import PiiConfig
from workloads.pii import scrub_texts
from workloads.privacy.detection import default_processes
from workloads.rag.metrics import ndcg_at


def _tokens(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(
        texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), return_ids=False, show_progress=False
    )


def bm25_ndcg(ids: list[str], texts: list[str], queries: dict[str, str], qrels: dict[str, dict]) -> float:
    index = bm25s.BM25()
    index.index(_tokens(texts), show_progress=False)
    asked = list(qrels)
    rows, _ = index.retrieve(_tokens([queries[q] for q in asked]), k=10, show_progress=False)
    return sum(
        ndcg_at([ids[i] for i in row], qrels[q]) for q, row in zip(asked, rows.tolist(), strict=True)
    ) / len(asked)


def main(distractors: int | None = None) -> bool:
    """The full corpus, or (`distractors`) the judged documents plus that many others."""
    queries = {
        q["_id"]: q["text"]
        for q in map(json.loads, (SCIFACT.parent / "queries.jsonl").open(encoding="utf-8"))
    }
    qrels: dict[str, dict] = defaultdict(dict)
    with (SCIFACT.parent / "qrels" / "train.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            qrels[row["query-id"]][row["corpus-id"]] = int(row["score"])
    judged = {doc for relevant in qrels.values() for doc in relevant}
    records = [json.loads(line) for line in SCIFACT.open(encoding="utf-8")]
    if distractors is not None:
        others = [r for r in records if r["_id"] not in judged][:distractors]
        records = [r for r in records if r["_id"] in judged] + others
    ids = [r["_id"] for r in records]
    texts = [f"{r['title']}\n{r['text']}" for r in records]
    begin = time.perf_counter()
    scrubbed = scrub_texts(texts, replace(PiiConfig(), processes=default_processes()))
    seconds = time.perf_counter() - begin
    kinds = sum((counts for _, counts in scrubbed), Counter())
    changed = sum(1 for _, counts in scrubbed if counts)
    print(f"SciFact: {len(texts)} documents scrubbed in {seconds:.0f} s ({len(texts) / seconds:.1f} docs/s)")
    print(f"  findings {kinds.total()} in {changed} documents: {dict(kinds.most_common())}")
    raw = bm25_ndcg(ids, texts, queries, qrels)
    masked = bm25_ndcg(ids, [text for text, _ in scrubbed], queries, qrels)
    print(f"  BM25 nDCG@10 over {len(qrels)} queries: raw {raw:.4f}, masked {masked:.4f}")
    return verdict("nDCG@10 drop with masking", raw - masked, 0.005, higher_is_better=False)
