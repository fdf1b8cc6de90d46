"""What replaces a finding: a typed placeholder (`[PERSON]`) or a keyed pseudonym (`[PERSON:9f2c41a07be3]`).

A pseudonym is HMAC-SHA256 over the type and the value in a canonical form (phone numbers in E.164,
identifiers without spaces or dashes, names case-folded), so one person or account gets one token in
every document and table and joins still work; without the key a token can be neither reversed nor
recomputed. The key comes from `LAKEWARD_PII_KEY`, or from the Databricks secret that
`LAKEWARD_PII_KEY_SECRET` names (`scope/key`, read with `dbutils` on Databricks); it is never written
anywhere by the pipeline.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import unicodedata
from collections.abc import Sequence
from functools import cache, partial

import phonenumbers
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from lakeward.errors import LakewardError
from workloads.privacy.detection import Finding
from workloads.rag.chat import resolve_token

KEY_ENV = "LAKEWARD_PII_KEY"
SECRET_ENV = "LAKEWARD_PII_KEY_SECRET"
DIGEST_CHARS = 12
"""48 bits: a collision is expected only past about 16 million distinct values of one type."""
_IDENTIFIERS = {"CREDIT_CARD", "IBAN_CODE", "US_SSN", "BANK_ACCOUNT", "PASSPORT", "MEDICAL_RECORD_NUMBER"}


def pii_key() -> bytes:
    """The pseudonymization key: `LAKEWARD_PII_KEY`, else the secret `LAKEWARD_PII_KEY_SECRET` names."""
    if value := os.environ.get(KEY_ENV):
        return value.encode()
    if reference := os.environ.get(SECRET_ENV):
        return (resolve_token(f"secret:{reference}", field=SECRET_ENV) or "").encode()
    raise LakewardError(
        "pseudonymization needs a secret key and none is set",
        field="--pii-mode pseudonymize",
        fix=f"export {KEY_ENV} (at least 16 random bytes, kept out of the repository), or set {SECRET_ENV} "
        "to the Databricks secret scope/key that holds it; or use --pii-mode mask",
    )


def canonical(entity_type: str, value: str) -> str:
    """One value written two ways (`+44 20 7946 0958`, `+442079460958`) in one form."""
    value = unicodedata.normalize("NFKC", value).strip()
    if entity_type in {"PERSON", "STREET_ADDRESS", "EMAIL_ADDRESS"}:
        return " ".join(value.casefold().replace(",", " ").split())
    if entity_type == "PHONE_NUMBER":
        try:
            number = phonenumbers.parse(value, None if value.startswith("+") else "US")
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            return re.sub(r"[^\d+]", "", value)
    if entity_type == "IP_ADDRESS":
        try:
            return ipaddress.ip_address(value).compressed
        except ValueError:
            return value.casefold()
    if entity_type in _IDENTIFIERS:
        return re.sub(r"[\s.-]", "", value).upper()
    return value


def pseudonym(entity_type: str, value: str, *, key: bytes) -> str:
    message = f"{entity_type}\x1f{canonical(entity_type, value)}".encode()
    return f"[{entity_type}:{hmac.new(key, message, hashlib.sha256).hexdigest()[:DIGEST_CHARS]}]"


@cache
def _anonymizer() -> AnonymizerEngine:
    return AnonymizerEngine()


def _apply(text: str, findings: Sequence[Finding], operators: dict[str, OperatorConfig]) -> str:
    results = [RecognizerResult(f.type, f.start, f.end, f.score) for f in findings]
    return _anonymizer().anonymize(text, results, operators=operators).text


def mask(text: str, findings: Sequence[Finding]) -> str:
    """Each finding replaced by its type in brackets (Presidio's `replace` operator)."""
    kinds = {f.type for f in findings}
    return _apply(text, findings, {k: OperatorConfig("replace", {"new_value": f"[{k}]"}) for k in kinds})


def pseudonymize(text: str, findings: Sequence[Finding], key: bytes) -> str:
    """Each finding replaced by its keyed pseudonym (Presidio's `custom` operator)."""
    operators = {
        kind: OperatorConfig("custom", {"lambda": partial(pseudonym, kind, key=key)})
        for kind in {f.type for f in findings}
    }
    return _apply(text, findings, operators)
