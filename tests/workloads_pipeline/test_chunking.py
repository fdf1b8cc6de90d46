import pyarrow as pa

from workloads.chunking import chunk_batch, chunk_id, chunk_text
from workloads.config import ChunkConfig
from workloads.model import tokenizer

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
