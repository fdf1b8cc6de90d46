"""Ed25519 signing keys: generate a pair, load the private key safely, print fingerprints."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lakeward.errors import LakewardError
from lakeward.evidence.verifier import key_id

PRIVATE_NAME = "lakeward-evidence.key"
PUBLIC_NAME = "lakeward-evidence.pub.pem"


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public: Path
    fingerprint: str

    def as_dict(self) -> dict[str, str]:
        return {
            "private_key": str(self.private),
            "public_key": str(self.public),
            "fingerprint": self.fingerprint,
        }


def fingerprint(private_key: Ed25519PrivateKey) -> str:
    return f"SHA256:{key_id(private_key.public_key())}"


def read_public_key(path: Path) -> bytes:
    """The PEM bytes of a public key file, or a clear error naming `--pubkey`."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LakewardError(
            f"cannot read: {exc.strerror}",
            source=str(path),
            field="--pubkey",
            fix="pass the *.pub.pem file keygen wrote",
        ) from None


def keygen(out: Path) -> KeyPair:
    """Write a new key pair into `out`: the private key mode 0600, the public key as `*.pub.pem`."""
    private_path, public_path = out / PRIVATE_NAME, out / PUBLIC_NAME
    existing = [str(p) for p in (private_path, public_path) if p.is_symlink() or p.exists()]
    if existing:
        raise LakewardError(
            f"refusing to overwrite {', '.join(existing)}",
            field="--out",
            fix="pick an empty folder or move the keys",
        )
    if (out.is_symlink() or out.exists()) and not out.is_dir():
        raise LakewardError(
            "not a folder (a file or a link to nothing)", source=str(out), field="--out", fix="name a folder"
        )
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    # Explicit modes: under `umask 000` the defaults would leave the folder 0777 and the key 0666.
    descriptor = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(public_pem)
    return KeyPair(private_path, public_path, fingerprint(key))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The signing key; refused when missing, not Ed25519, or readable by group or others."""
    source = str(path)
    try:
        mode = path.stat().st_mode
        pem = path.read_bytes()
    except OSError as exc:
        raise LakewardError(
            f"cannot read the key: {exc.strerror}",
            source=source,
            field="--key",
            fix="run `lakeward evidence keygen --out DIR` and pass DIR/lakeward-evidence.key",
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise LakewardError(
            "the private key is readable by others", source=source, field="--key", fix=f"chmod 600 {source}"
        )
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise LakewardError(
            f"not an unencrypted PEM private key ({exc})",
            source=source,
            field="--key",
            fix="pass the key `lakeward evidence keygen` wrote",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise LakewardError(
            "not an Ed25519 key", source=source, field="--key", fix="use `lakeward evidence keygen`"
        )
    return key
