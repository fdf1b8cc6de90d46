import json

import pyarrow as pa
import pytest

from workloads.config import PiiConfig
from workloads.pii import iban_valid, luhn_valid, mask_batch, mask_text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mail jordan.miles@example.com now", "email"),
        ("card 4111 1111 1111 1111 now", "card"),
        ("card 4111111111111111 now", "card"),
        ("card 5555-5555-5555-4444 now", "card"),
        ("iban GB82 WEST 1234 5698 7654 32 now", "iban"),
        ("iban DE89370400440532013000 now", "iban"),
        ("ssn 219-09-9999 now", "ssn"),
        ("call +1 415 555 0134 now", "phone"),
        ("call (555) 201-4477 now", "phone"),
        ("call 555-010-7723 now", "phone"),
        ("ask Dr. Owen Maddox now", "name"),
        ("Contact: Lucia Ferreira now", "name"),
    ],
)
def test_each_type_is_masked_with_its_token(text: str, kind: str) -> None:
    masked, counts = mask_text(text, PiiConfig())
    assert counts == {kind: 1}
    assert masked.split()[-2] == f"[{kind.upper()}]" or f"[{kind.upper()}]" in masked
    assert masked.endswith(" now")


@pytest.mark.parametrize(
    "text",
    [
        "order 4111 1111 1111 1112 shipped",  # fails Luhn
        "iban GB82 WEST 1234 5698 7654 33 bad",  # fails mod-97
        "release 2026-11-26 at 10.20.0.0",
        "version 1.2.3 and port 8080",
        "Doctor Who is a show",
    ],
)
def test_values_failing_their_checks_stay(text: str) -> None:
    masked, counts = mask_text(text, PiiConfig())
    assert masked == text
    assert not counts


def test_checksums() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and not iban_valid("GB82 WEST 1234 5698 7654 31")


def test_types_can_be_switched_off() -> None:
    masked, counts = mask_text("mail a@example.com", PiiConfig(types=("card",)))
    assert masked == "mail a@example.com" and not counts


def test_batch_counts_per_document() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "doc_id": ["a", "b"],
            "title": ["Ms. Ada Quill", "clean"],
            "text": ["x@example.com y@example.com", "none"],
        }
    )
    out = mask_batch(batch, PiiConfig())
    assert out.column("title")[0].as_py() == "Ms. [NAME]"
    assert json.loads(out.column("pii_counts")[0].as_py()) == {"email": 2, "name": 1}
    assert out.column("pii_total").to_pylist() == [3, 0]
