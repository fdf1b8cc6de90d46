"""Offline verifier of a Lakeward evidence bundle. Needs only Python 3.11+ and `cryptography`.

Auditors run it as `python verify_evidence.py BUNDLE --pubkey KEY.pub.pem [--previous BUNDLE]`
(`scripts/verify_evidence.py` in the repository is this file); `lakeward evidence verify` calls the
same `verify_bundle`. It imports nothing from Lakeward on purpose: copy the file, audit it, run it.

A bundle is a BagIt 1.0 bag: `data/` holds the evidence, `manifest-sha256.txt` the SHA-256 of every
payload file, `tagmanifest-sha256.txt` that of every tag file. `signature.dsse.json` is a DSSE envelope
(Ed25519) over an in-toto Statement v1 whose subject is `tagmanifest-sha256.txt`; its SHA-256 is the
bundle's digest, which the next bundle records as its predecessor.

Exit codes: 0 verified; 2 bad input (no bundle, unreadable key); 3 a file changed, added or removed;
4 bad signature, wrong key or unreadable envelope; 5 broken chain. With several problems the code is
the first of 4, 3, 5 that applies.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import math
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EXIT_OK, EXIT_BAD_INPUT, EXIT_TAMPERED, EXIT_SIGNATURE, EXIT_CHAIN = 0, 2, 3, 4, 5
SEVERITY = (EXIT_SIGNATURE, EXIT_TAMPERED, EXIT_CHAIN)

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://lakeward.dev/evidence/v1"
ENVELOPE = "signature.dsse.json"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
TAG_FILES = ("bagit.txt", "bag-info.txt", MANIFEST)
# The drift report a bundle includes; the signed statement names its digest (`drift_sha256`).
DRIFT_FILE = "data/drift/report.json"


def canonical_json(value: Any) -> bytes:
    """RFC 8785-style canonical JSON: sorted keys, no whitespace, UTF-8, ECMAScript number format."""
    return _encode(value).encode("utf-8")


def _encode(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("canonical JSON keys must be strings")
        # RFC 8785 sorts by UTF-16 code units.
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(f"{_encode(key)}:{_encode(value[key])}" for key in keys) + "}"
    raise TypeError(f"{type(value).__name__} is not JSON")


def _number(value: float) -> str:
    """ECMAScript Number.prototype.toString of a finite double, as RFC 8785 prescribes."""
    if not math.isfinite(value):
        raise ValueError("canonical JSON has no NaN or Infinity")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    exact = Decimal(repr(abs(value))).normalize()
    digits = "".join(str(d) for d in exact.as_tuple().digits)
    k, n = len(digits), len(digits) + int(exact.as_tuple().exponent)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        exponent = f"e{'+' if n - 1 > 0 else '-'}{abs(n - 1)}"
        text = (digits if k == 1 else f"{digits[0]}.{digits[1:]}") + exponent
    return sign + text


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def key_id(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex: the key's fingerprint and DSSE keyid."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def encode_path(path: str) -> str:
    """BagIt manifest path encoding: percent-encode %, CR and LF."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(path: str) -> str:
    return path.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def manifest_text(hashes: dict[str, str]) -> str:
    return "".join(f"{digest}  {encode_path(path)}\n" for path, digest in sorted(hashes.items()))


def parse_manifest(text: str) -> dict[str, str]:
    """`{path: sha256}` from BagIt manifest lines; a malformed line raises ValueError."""
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        digest, _, path = line.partition(" ")
        path = path.lstrip(" ")
        if len(digest) != 64 or not path or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"line {number} is not '<sha256>  <path>'")
        entries[decode_path(path)] = digest
    return entries


def bundle_digest(bundle: Path) -> str:
    """The digest a bundle is known by: SHA-256 of its signed tag manifest."""
    return "sha256:" + sha256_file(bundle / TAG_MANIFEST)


@dataclass
class Verification:
    """What `verify_bundle` found; `exit_code` is 0 only when nothing is wrong."""

    bundle: str
    digest: str | None = None
    key_id: str | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)
    statement: dict[str, Any] = field(default_factory=dict)
    chain: str = "none"
    stale: list[str] = field(default_factory=list)
    files: int = 0
    drift: str = "none"

    def add(self, code: int, message: str) -> None:
        self.problems.append((code, message))

    @property
    def exit_code(self) -> int:
        codes = {code for code, _ in self.problems}
        if EXIT_BAD_INPUT in codes:
            return EXIT_BAD_INPUT
        return next((code for code in SEVERITY if code in codes), EXIT_OK)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "bundle": self.bundle,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "digest": self.digest,
            "key_id": self.key_id,
            "files": self.files,
            "chain": self.chain,
            "problems": [{"code": code, "message": message} for code, message in self.problems],
            "stale_items": self.stale,
            "drift": self.drift,
            "predicate": self.statement.get("predicate", {}),
        }


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def verify_bundle(
    bundle: Path, public_key_pem: bytes, previous: Path | None = None, now: dt.datetime | None = None
) -> Verification:
    """Check signature, every file and the chain to `previous`; report all problems found."""
    result = Verification(str(bundle))
    try:
        public_key = load_public_key(public_key_pem)
    except ValueError as exc:
        result.add(EXIT_BAD_INPUT, f"public key: {exc}")
        return result
    if not (bundle / "bagit.txt").is_file() and not (bundle / ENVELOPE).is_file():
        result.add(EXIT_BAD_INPUT, "not an evidence bundle (no bagit.txt or signature.dsse.json)")
        return result
    result.key_id = key_id(public_key)
    _check_signature(bundle, public_key, result)
    _check_files(bundle, result)
    if (bundle / TAG_MANIFEST).is_file():
        result.digest = bundle_digest(bundle)
    subject = {s.get("name"): s.get("digest", {}).get("sha256") for s in result.statement.get("subject", [])}
    if (
        result.statement
        and result.digest
        and subject.get(TAG_MANIFEST) != result.digest.removeprefix("sha256:")
    ):
        result.add(EXIT_TAMPERED, f"{TAG_MANIFEST} differs from the signed statement's subject")
    _check_drift(bundle, result)
    _check_chain(result, public_key_pem, previous)
    _find_stale(bundle, result, now or dt.datetime.now(dt.UTC))
    return result


def _check_drift(bundle: Path, result: Verification) -> None:
    """The drift report the statement signs for is there, unchanged; its verdict is reported."""
    signed = (result.statement.get("predicate") or {}).get("drift_sha256")
    path = bundle / DRIFT_FILE
    if signed is None:
        if path.is_file():
            result.add(EXIT_TAMPERED, f"added: {DRIFT_FILE} (the signed statement names no drift report)")
        return
    if not path.is_file():
        result.add(EXIT_TAMPERED, f"removed: {DRIFT_FILE} (signed as {signed[:16]})")
        return
    if sha256_file(path) != signed:
        result.add(EXIT_TAMPERED, f"changed: {DRIFT_FILE} differs from the signed statement's drift_sha256")
        return
    try:
        report = json.loads(path.read_bytes())
        counts = report["summary"]["drift"]
        result.drift = f"exit {report['exit_code']}, {sum(counts.values())} difference(s) at {report['host']}"
    except (ValueError, KeyError, TypeError, AttributeError):
        result.add(EXIT_TAMPERED, f"changed: {DRIFT_FILE} is not a drift report")


def _check_signature(bundle: Path, public_key: Ed25519PublicKey, result: Verification) -> None:
    try:
        envelope = json.loads((bundle / ENVELOPE).read_bytes())
        payload = base64.b64decode(envelope["payload"], validate=True)
        payload_type = envelope["payloadType"]
        signatures = envelope["signatures"]
        assert isinstance(signatures, list) and signatures
    except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
        result.add(EXIT_SIGNATURE, f"{ENVELOPE} is missing or unreadable ({type(exc).__name__})")
        return
    if payload_type != PAYLOAD_TYPE:
        result.add(EXIT_SIGNATURE, f"payloadType is {payload_type!r}, expected {PAYLOAD_TYPE}")
        return
    message = pae(payload_type, payload)
    signed_by_key = False
    for signature in signatures:
        try:
            public_key.verify(base64.b64decode(signature["sig"], validate=True), message)
            signed_by_key = True
            break
        except (InvalidSignature, ValueError, KeyError, TypeError):
            continue
    if not signed_by_key:
        ids = ", ".join(str(s.get("keyid", "?"))[:16] for s in signatures if isinstance(s, dict))
        result.add(
            EXIT_SIGNATURE,
            f"no valid signature by key {(result.key_id or '?')[:16]} (envelope keyids: {ids})",
        )
        return
    try:
        statement = json.loads(payload)
    except ValueError:
        result.add(EXIT_SIGNATURE, "the signed payload is not JSON")
        return
    if statement.get("_type") != STATEMENT_TYPE or statement.get("predicateType") != PREDICATE_TYPE:
        result.add(EXIT_SIGNATURE, "the signed payload is not a Lakeward in-toto evidence statement")
        return
    result.statement = statement


def _check_files(bundle: Path, result: Verification) -> None:
    present: set[str] = set()
    for path in bundle.rglob("*"):
        relative = path.relative_to(bundle).as_posix()
        if path.is_symlink():
            result.add(EXIT_TAMPERED, f"added: {relative} (a symbolic link)")
        elif path.is_file():
            present.add(relative)
    expected: dict[str, str] = {}
    for name in (TAG_MANIFEST, MANIFEST):
        if name not in present:
            result.add(EXIT_TAMPERED, f"removed: {name}")
            continue
        try:
            entries = parse_manifest((bundle / name).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            result.add(EXIT_TAMPERED, f"changed: {name} is malformed ({exc})")
            continue
        if name == TAG_MANIFEST and set(entries) != set(TAG_FILES):
            result.add(EXIT_TAMPERED, f"changed: {TAG_MANIFEST} lists {sorted(entries)}")
        if name == MANIFEST and any(not path.startswith("data/") for path in entries):
            result.add(EXIT_TAMPERED, f"changed: {MANIFEST} lists files outside data/")
        expected.update(entries)
    for extra in sorted(present - set(expected) - {TAG_MANIFEST, MANIFEST, ENVELOPE}):
        result.add(EXIT_TAMPERED, f"added: {extra}")
    for listed, digest in sorted(expected.items()):
        if listed not in present:
            result.add(EXIT_TAMPERED, f"removed: {listed}")
        elif sha256_file(bundle / listed) != digest:
            result.add(EXIT_TAMPERED, f"changed: {listed}")
    result.files = len(present)


def _check_chain(result: Verification, public_key_pem: bytes, previous: Path | None) -> None:
    declared = (result.statement.get("predicate") or {}).get("previous")
    if previous is None:
        result.chain = (
            f"declares {declared['digest']} (not checked: pass --previous)" if declared else "first"
        )
        return
    if not declared:
        result.add(EXIT_CHAIN, "the bundle declares no previous bundle, but --previous was given")
        return
    earlier = verify_bundle(previous, public_key_pem)
    if not earlier.ok:
        first = earlier.problems[0][1]
        result.add(
            EXIT_CHAIN, f"the previous bundle does not verify ({len(earlier.problems)} problems: {first})"
        )
    if earlier.digest != declared.get("digest"):
        result.add(
            EXIT_CHAIN, f"previous bundle digest {earlier.digest} != declared {declared.get('digest')}"
        )
    sequence = (result.statement.get("predicate") or {}).get("sequence")
    earlier_sequence = (earlier.statement.get("predicate") or {}).get("sequence")
    if isinstance(earlier_sequence, int) and sequence != earlier_sequence + 1:
        result.add(
            EXIT_CHAIN, f"sequence {sequence} does not follow the previous bundle's {earlier_sequence}"
        )
    if not any(code == EXIT_CHAIN for code, _ in result.problems):
        result.chain = f"linked to {earlier.digest}"


def _find_stale(bundle: Path, result: Verification, now: dt.datetime) -> None:
    """Items whose `expires_at` has passed by now (a note for the auditor, not a failure)."""
    try:
        index = json.loads((bundle / "data" / "index.json").read_bytes())
    except (OSError, ValueError):
        return
    for item in index.get("items", []):
        expires = item.get("expires_at")
        if expires and dt.datetime.fromisoformat(expires.replace("Z", "+00:00")) < now:
            result.stale.append(item.get("id", "?"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", type=Path, help="the evidence bundle folder")
    parser.add_argument("--pubkey", type=Path, required=True, help="the signer's Ed25519 public key (PEM)")
    parser.add_argument("--previous", type=Path, help="the previous bundle of the chain")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        pem = args.pubkey.read_bytes()
    except OSError as exc:
        print(f"error: --pubkey: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = verify_bundle(args.bundle, pem, args.previous)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, sort_keys=True))
    else:
        for code, message in result.problems:
            print(f"FAIL [{code}] {message}")
        for item in result.stale:
            print(f"note: item {item} is stale (past its expires_at)")
        verdict = "verified" if result.ok else "NOT verified"
        print(f"{verdict}: {result.bundle} digest {result.digest} key {result.key_id} chain {result.chain}")
        print(f"drift report: {result.drift}")
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
