"""The scrub stage over Arrow batches: typed placeholders, counts per entity type, types switched off."""

import json

import pyarrow as pa
import pytest

from lakeward.errors import LakewardError
from workloads.config import PiiConfig
from workloads.pii import scrub_batch, scrub_texts

CONFIG = PiiConfig(processes=1)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mail jordan.miles@example.com now", "EMAIL_ADDRESS"),
        ("card 4111 1111 1111 1111 now", "CREDIT_CARD"),
        ("card 5555-5555-5555-4444 now", "CREDIT_CARD"),
        ("iban GB82 WEST 1234 5698 7654 32 now", "IBAN_CODE"),
        ("ssn 219-09-9999 now", "US_SSN"),
        ("call +1 415 555 0134 now", "PHONE_NUMBER"),
        ("ask Dr. Owen Maddox now", "PERSON"),
        ("from 2001:db8::8a2e:370:7334 now", "IP_ADDRESS"),
        ("key AKIAIOSFODNN7EXAMPLE now", "CLOUD_ACCESS_KEY"),
    ],
)
def test_each_type_is_masked_with_its_placeholder(text: str, kind: str) -> None:
    [(masked, counts)] = scrub_texts([text], CONFIG)
    assert counts == {kind: 1} and f"[{kind}]" in masked and masked.endswith(" now")


def test_types_can_be_switched_off() -> None:
    [(masked, counts)] = scrub_texts(["mail a@example.com"], PiiConfig(types=("CREDIT_CARD",), processes=1))
    assert masked == "mail a@example.com" and not counts
    with pytest.raises(LakewardError, match="unknown PII types"):
        PiiConfig(types=("email",))


def test_batch_counts_per_document() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "doc_id": ["a", "b"],
            "title": ["Ms. Ada Quill", "clean"],
            "text": ["x@example.com y@example.com", "none"],
        }
    )
    out = scrub_batch(batch, CONFIG)
    assert out.column("title")[0].as_py() == "Ms. [PERSON]"
    assert json.loads(out.column("pii_counts")[0].as_py()) == {"EMAIL_ADDRESS": 2, "PERSON": 1}
    assert out.column("pii_total").to_pylist() == [3, 0]
