import os
from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from workloads.corpus import Quarantined, html_to_markdown, read_corpus


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
    table = read_corpus(tmp_path).documents
    assert table["doc_id"].to_pylist() == ["b.txt", "c.html", "sub/a.md"]
    assert table["title"].to_pylist() == ["b", "Gamma", "Alpha"]
    assert table["format"].to_pylist() == ["text", "html", "markdown"]


def test_beir_reader_and_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text('{"_id": "7", "title": "T", "text": "Body."}\n\n{"_id": "8", "text": "No title."}\n')
    table = read_corpus(tmp_path).documents
    assert table.to_pylist()[0] == {
        "doc_id": "7",
        "source": "corpus.jsonl#7",
        "title": "T",
        "format": "beir",
        "text": "# T\n\nBody.",
    }
    assert read_corpus(path, limit=1).documents.num_rows == 1
    path.write_text('{"title": "no id"}\n')
    with pytest.raises(LakewardError) as error:
        read_corpus(path)
    assert "line 1" in str(error.value) and error.value.field == "_id/text"


def test_one_bad_file_is_quarantined_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    (tmp_path / "good.md").write_text("# Good\n\nReadable.")
    corpus = read_corpus(tmp_path)
    assert corpus.documents["doc_id"].to_pylist() == ["good.md"]
    assert corpus.quarantined == [
        Quarantined("bad.txt", "not UTF-8 text (byte 0xff at offset 0); convert it to UTF-8")
    ]


def test_a_file_that_cannot_be_opened_is_quarantined(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "secret.md").write_text("# Secret")
    (tmp_path / "open.md").write_text("# Open")
    os.chmod(tmp_path / "secret.md", 0)
    real_open = os.open

    def deny(path, flags, *args):  # root reads a file of mode 000, so the refusal is planted
        if Path(path).name == "secret.md":
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr("workloads.corpus.os.open", deny)
    corpus = read_corpus(tmp_path)
    assert corpus.documents["doc_id"].to_pylist() == ["open.md"]
    assert corpus.quarantined == [Quarantined("secret.md", "cannot be read: permission denied")]


def test_links_never_lead_outside_the_root_and_a_file_is_read_once(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.md").write_text("# Private\n\nNot part of the corpus.")
    root = tmp_path / "corpus"
    (root / "team").mkdir(parents=True)
    (root / "team" / "lane.md").write_text("# Lane\n\nA lane is an origin and destination pair.")
    (root / "a-lane.md").symlink_to(root / "team" / "lane.md")
    (root / "private.md").symlink_to(outside / "private.md")
    (root / "relative.md").symlink_to("../outside/private.md")
    (root / "shared").symlink_to(outside, target_is_directory=True)
    (root / "loop.md").symlink_to(root / "loop.md")
    (root / "gone.md").symlink_to(root / "missing.md")
    corpus = read_corpus(root)
    assert corpus.documents["doc_id"].to_pylist() == ["team/lane.md"]
    reasons = {q.source: q.reason for q in corpus.quarantined}
    assert reasons.pop("a-lane.md") == "the same file as team/lane.md, which is read instead"
    assert (
        reasons.pop("private.md")
        == reasons.pop("relative.md")
        == "a symlink to a file outside the corpus root"
    )
    assert reasons.pop("shared") == "a symlink to a folder (links to folders are not followed)"
    assert set(reasons) == {"gone.md", "loop.md"}
    assert all(reason.startswith("cannot be read") for reason in reasons.values())


def test_a_link_inside_the_root_to_an_unlisted_file_is_read_under_its_name(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("# Notes\n\nNo suffix, so not a document by itself.")
    (tmp_path / "notes.md").symlink_to(tmp_path / "notes")
    corpus = read_corpus(tmp_path)
    assert corpus.documents["doc_id"].to_pylist() == ["notes.md"] and corpus.quarantined == []


def test_kernel_pseudo_files_are_never_read(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "environ.txt").write_text("HOME=/root")  # stands for a file under /proc
    (tmp_path / "real.md").write_text("# Real")
    monkeypatch.setattr("workloads.corpus._PSEUDO_ROOTS", (tmp_path / "environ.txt",))
    corpus = read_corpus(tmp_path)
    assert corpus.documents["doc_id"].to_pylist() == ["real.md"]
    assert corpus.quarantined == [Quarantined("environ.txt", "a kernel pseudo-file, not a document")]
