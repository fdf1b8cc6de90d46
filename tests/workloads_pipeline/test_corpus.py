from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from workloads.corpus import html_to_markdown, read_corpus


def test_html_keeps_headings_and_paragraphs_and_drops_scripts() -> None:
    title, text = html_to_markdown(
        "<html><head><title>Yard</title><style>p{}</style></head><body><h1>Yard</h1><p>Doors  open"
        "\n at six.</p><ul><li>Vest</li><li>Badge</li></ul><script>alert(1)</script><h2>Night</h2>"
        "<p>Closed &amp; locked.</p></body></html>"
    )
    assert title == "Yard"
    assert text == "# Yard\n\nDoors open at six.\n\n- Vest\n\n- Badge\n\n## Night\n\nClosed & locked."


def test_folder_reader_takes_supported_files_with_titles(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("intro\n\n# Alpha\n\ntext")
    (tmp_path / "b.txt").write_text("plain text")
    (tmp_path / "c.html").write_text("<h1>Gamma</h1><p>body</p>")
    (tmp_path / "d.pdf").write_bytes(b"%PDF")
    table = read_corpus(tmp_path)
    assert table["doc_id"].to_pylist() == ["b.txt", "c.html", "sub/a.md"]
    assert table["title"].to_pylist() == ["b", "Gamma", "Alpha"]
    assert table["format"].to_pylist() == ["text", "html", "markdown"]


def test_beir_reader_and_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text('{"_id": "7", "title": "T", "text": "Body."}\n\n{"_id": "8", "text": "No title."}\n')
    table = read_corpus(tmp_path)
    assert table.to_pylist()[0] == {
        "doc_id": "7",
        "source": "corpus.jsonl#7",
        "title": "T",
        "format": "beir",
        "text": "# T\n\nBody.",
    }
    assert read_corpus(path, limit=1).num_rows == 1
    path.write_text('{"title": "no id"}\n')
    with pytest.raises(LakewardError) as error:
        read_corpus(path)
    assert "line 1" in str(error.value) and error.value.field == "_id/text"


def test_non_utf8_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(LakewardError, match=r"bad\.txt"):
        read_corpus(tmp_path)
