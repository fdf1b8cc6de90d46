import random

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workloads.chunking import chunk_batch, chunk_id, chunk_text
from workloads.config import MIN_CHUNK_TOKENS, ChunkConfig
from workloads.model import MAX_SEQUENCE_TOKENS, SPECIAL_TOKENS, tokenizer

SENTENCE = "Trailers wait at door {n} until the yard service confirms the seal number and the driver signs."
LONG = "# Yard\n\n" + "\n\n".join(" ".join(SENTENCE.format(n=p * 10 + s) for s in range(4)) for p in range(8))
DOC = LONG + "\n\n## Safety\n\nVisitors wear a vest in the yard at all times."


def tokens(text: str) -> int:
    return len(tokenizer().encode(text, add_special_tokens=False).ids)


def test_chunks_fit_the_token_budget_and_never_cross_a_heading() -> None:
    config = ChunkConfig(max_tokens=96, overlap_tokens=16)
    chunks = chunk_text(DOC, config)
    assert len(chunks) > 3
    assert all(tokens(text) <= 96 for _, text in chunks)
    sections = [section for section, _ in chunks]
    assert sections[-1] == "Yard > Safety" and chunks[-1][1].startswith("Yard > Safety\n\nVisitors")
    assert all(section == "Yard" for section in sections[:-1])


def test_consecutive_chunks_overlap() -> None:
    chunks = [text for _, text in chunk_text(DOC, ChunkConfig(max_tokens=96, overlap_tokens=16))]
    first, second = chunks[0], chunks[1]
    tail = first[-40:]
    assert tail in second


def test_long_paragraph_is_cut_at_token_boundaries() -> None:
    paragraph = " ".join(SENTENCE.format(n=n) for n in range(40))
    chunks = chunk_text(paragraph, ChunkConfig(max_tokens=64, overlap_tokens=8))
    assert len(chunks) > 5
    assert all(tokens(text) <= 64 for _, text in chunks)
    assert chunks[0][1].startswith("Trailers wait at door 0")


def test_ids_are_content_addresses() -> None:
    config = ChunkConfig()
    assert chunk_id("same text", config) == chunk_id("same text", ChunkConfig())
    assert chunk_id("same text", config) != chunk_id("same text!", config)
    assert chunk_id("same text", config) != chunk_id("same text", ChunkConfig(max_tokens=100))


def test_batch_stage_carries_metadata_and_counts_tokens() -> None:
    batch = pa.RecordBatch.from_pydict(
        {"doc_id": ["d"], "text": [DOC], "title": ["Yard"], "source": ["d.md"], "language": ["en"]}
    )
    out = chunk_batch(batch, ChunkConfig(max_tokens=96, overlap_tokens=16))
    assert out.num_rows > 3
    assert out.column("chunk_index").to_pylist() == list(range(out.num_rows))
    assert set(out.column("doc_id").to_pylist()) == {"d"}
    assert out.column("token_count").to_pylist() == [tokens(t) for t in out.column("text").to_pylist()]


WORDS = [
    *["trailer", "dock", "carrier", "tender", "lane", "seal", "yard", "dispatch", "queue"],
    *["invoice", "detention", "freight", "übergabe", "東京", "interchangeably", "reconciliation"],
    *["4111", "ref-2024/07", "(draft)", "c'est", "naïve"],
]


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def within_window(chunks: list[tuple[str, str]], config: ChunkConfig) -> bool:
    limit = min(config.max_tokens, MAX_SEQUENCE_TOKENS - SPECIAL_TOKENS)
    return all(tokens(text) <= limit for _, text in chunks)


def test_a_long_heading_does_not_eat_the_chunk_budget() -> None:
    rng = random.Random(7)
    long = words(rng, 220)
    heading = long[: tokenizer().encode(long, add_special_tokens=False).offsets[281][1]]
    body = ""
    while len(body) < 20_000:
        body += SENTENCE.format(n=rng.randint(1, 999)) + (" " if rng.random() < 0.8 else "\n\n")
    assert tokens(heading) == 282 and len(body.encode()) >= 20_000
    config = ChunkConfig()
    alone = chunk_text(body, config)
    chunks = chunk_text(f"# {heading}\n\n{body}", config)
    assert len(chunks) < 60 and len(chunks) <= len(alone) * 1.4
    assert within_window(chunks, config)
    assert all(text.startswith(heading[:40]) for _, text in chunks)


def test_many_long_headings_stay_proportionate() -> None:
    rng = random.Random(11)
    sections = [f"{'#' * rng.randint(1, 4)} {words(rng, 200)}\n\n{words(rng, 120)}" for _ in range(60)]
    config = ChunkConfig()
    chunks = chunk_text("\n\n".join(sections), config)
    assert len(chunks) <= 2 * len(sections)
    assert within_window(chunks, config)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    heading_words=st.lists(st.integers(0, 400), min_size=0, max_size=4),
    paragraph_words=st.lists(st.integers(1, 500), min_size=1, max_size=8),
    max_tokens=st.integers(MIN_CHUNK_TOKENS, 512),
    overlap=st.integers(0, 96),
    seed=st.integers(0, 2**16),
)
def test_every_chunk_fits_the_model_window(
    heading_words: list[int], paragraph_words: list[int], max_tokens: int, overlap: int, seed: int
) -> None:
    rng = random.Random(seed)
    headings = [f"{'#' * (level + 1)} {words(rng, n) or 'x'}" for level, n in enumerate(heading_words)]
    body = [words(rng, n) for n in paragraph_words]
    config = ChunkConfig(max_tokens=max_tokens, overlap_tokens=overlap)
    chunks = chunk_text("\n\n".join([*headings, *body]), config)
    assert within_window(chunks, config)
    covered = set(" ".join(text for _, text in chunks).split())
    assert set(" ".join(body).split()) <= covered
    limit = min(max_tokens, MAX_SEQUENCE_TOKENS - SPECIAL_TOKENS)
    assert len(chunks) <= len(body) + 4 * tokens(" ".join(body)) // limit + 1
