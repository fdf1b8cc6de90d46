import pyarrow as pa

from workloads.config import NormalizeConfig
from workloads.normalize import detect_language, normalize_batch, normalize_text

BODY = (
    "The dispatch service assigns loads to carriers and publishes every assignment to the event stream. "
    "Carriers accept tenders in the portal, and the yard service tracks trailers at the dock doors. "
    "When the queue backs up the on-call engineer drains it with the deploy tool and writes a note."
)


def test_nfkc_whitespace_and_paragraphs() -> None:
    text = "\ufb01le\u00a0 name  here\t\r\n\r\n\r\n\r\n\uff26\uff35\uff2c\uff2c width\u200b"
    assert normalize_text(text, NormalizeConfig()) == "file name here\n\nFULL width"


def test_lowercase_is_optional() -> None:
    assert normalize_text("Hello World", NormalizeConfig(lowercase=True)) == "hello world"
    assert normalize_text("Hello World", NormalizeConfig()) == "Hello World"


def test_language_tag() -> None:
    assert detect_language(BODY) == "en"
    assert detect_language("Das Protokoll ist nicht mit der Version und den Daten für die Prüfung.") == "de"
    assert detect_language("12345 67890") == "und"


def test_normalize_batch_adds_language() -> None:
    batch = pa.RecordBatch.from_pydict({"doc_id": ["a"], "title": ["A"], "text": ["  " + BODY + "  "]})
    out = normalize_batch(batch, NormalizeConfig())
    assert out.column("text")[0].as_py() == BODY
    assert out.column("language")[0].as_py() == "en"
