"""`lakeward evidence export`: collect every item, evaluate the controls, write a signed BagIt bundle.

Layout: `data/` (the evidence, `index.json`, `controls.json`, `report.html`), `manifest-sha256.txt`,
`bagit.txt`, `bag-info.txt`, `tagmanifest-sha256.txt` and `signature.dsse.json`. Everything Lakeward
writes is canonical JSON and every time comes from `SOURCE_DATE_EPOCH` when set, so the same commit
exported twice gives identical bytes and the same digest (Ed25519 signatures are deterministic).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakeward import __version__
from lakeward.errors import LakewardError
from lakeward.evidence import verifier
from lakeward.evidence.collectors.databricks_live import LiveSource, collect_system_tables
from lakeward.evidence.collectors.drift import collect_drift
from lakeward.evidence.collectors.lineage import collect_lineage
from lakeward.evidence.collectors.mlflow_registry import collect_mlflow
from lakeward.evidence.collectors.operations import collect_playbooks, collect_releases
from lakeward.evidence.collectors.provenance import collect_provenance
from lakeward.evidence.collectors.results import collect_results
from lakeward.evidence.collectors.scan import collect_scan
from lakeward.evidence.collectors.specs import collect_environment, collect_tenants
from lakeward.evidence.collectors.stacks import collect_access_matrix, collect_stacks
from lakeward.evidence.collectors.waivers import collect_waivers
from lakeward.evidence.controls import evaluate, load_controls, status_counts
from lakeward.evidence.items import Item, export_time, iso, not_evaluated
from lakeward.evidence.keys import load_private_key
from lakeward.evidence.report import render
from lakeward.evidence.verifier import (
    DRIFT_FILE,
    ENVELOPE,
    MANIFEST,
    PAYLOAD_TYPE,
    TAG_MANIFEST,
    canonical_json,
)
from lakeward.files import staged_directory
from lakeward.locate import project_root

FORMAT = "lakeward-evidence/1"
Progress = Callable[[str], None]


def repo_root() -> Path:
    return project_root()


def default_tenants() -> Path:
    return repo_root() / "tenants"


def default_waivers() -> Path:
    from policies.waivers import WAIVERS_FILE

    return WAIVERS_FILE


@dataclass
class ExportOptions:
    """Where each source lives; an absent source is reported as `not evaluated`."""

    out: Path
    key: Path
    env: str = "dev"
    previous: Path | None = None
    results: Path | None = None
    stacks: Path | None = None
    lineage: Path | None = None
    mlflow_uri: str | None = None
    tenants: Path | None = field(default_factory=default_tenants)
    waivers: Path | None = field(default_factory=default_waivers)
    live: LiveSource | None = None
    drift: Path | None = None
    environments_dir: Path | None = None
    releases_dir: Path | None = None
    extra_items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class ExportResult:
    bundle: Path
    digest: str
    sequence: int
    controls: dict[str, int]
    items: dict[str, int]
    files: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "bundle": str(self.bundle),
            "digest": self.digest,
            "sequence": self.sequence,
            "controls": self.controls,
            "items": self.items,
            "files": self.files,
            "seconds": round(self.seconds, 3),
        }


def _previous(path: Path | None, key: Any) -> dict[str, Any] | None:
    """The previous bundle's digest and sequence, after verifying it with the signer's own key."""
    if path is None:
        return None
    from cryptography.hazmat.primitives import serialization

    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    checked = verifier.verify_bundle(path, pem)
    if not checked.ok:
        _code, message = checked.problems[0]
        raise LakewardError(
            f"the previous bundle does not verify with this key ({message})",
            source=str(path),
            field="--previous",
            fix="pass the last bundle this key signed, unmodified",
            exit_code=verifier.EXIT_CHAIN,
        )
    return {"digest": checked.digest, "sequence": checked.statement["predicate"]["sequence"]}


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise LakewardError(
            "refusing to overwrite: evidence bundles are written once",
            source=str(out),
            field="--out",
            fix="pass a new folder for each bundle",
        )


def collect(
    options: ExportOptions, stacks_dir: Path | None, now: dt.datetime, progress: Progress
) -> list[Item]:
    """Every collector, in a fixed order."""
    root = repo_root()
    environments = options.environments_dir or root / "environments"
    releases = options.releases_dir or root / "releases"
    steps: list[tuple[str, Callable[[], Item | list[Item]]]] = [
        ("stacks", lambda: collect_stacks(stacks_dir, now)),
        ("access matrix", lambda: collect_access_matrix(stacks_dir, now)),
        ("scan results", lambda: collect_scan(options.results, now)),
        ("test and rehearsal results", lambda: collect_results(options.results, now)),
        ("environment spec", lambda: collect_environment(options.env, environments, now)),
        ("tenant specs", lambda: collect_tenants(options.tenants, environments, now)),
        ("waivers", lambda: collect_waivers(options.waivers, now)),
        ("release state", lambda: collect_releases(options.env, environments, releases, now)),
        ("playbooks", lambda: collect_playbooks(root / "docs" / "playbooks", now)),
        ("lineage", lambda: collect_lineage(options.lineage, now)),
        ("MLflow", lambda: collect_mlflow(options.mlflow_uri, now)),
        ("provenance", lambda: collect_provenance(root, now)),
        ("system tables", lambda: _live(options.live, now)),
        ("drift report", lambda: collect_drift(options.drift, options.env, now)),
    ]
    items: list[Item] = []
    for label, step in steps:
        progress(label)
        result = step()
        items.extend(result if isinstance(result, list) else [result])
    items.extend(options.extra_items)
    return items


def _live(source: LiveSource | None, now: dt.datetime) -> list[Item]:
    if source is None:
        reason = "live collection not requested (--databricks-host, --warehouse-id)"
        return [
            not_evaluated("audit-log", "audit-log", "Audit log (system.access.audit)", "-", reason),
            not_evaluated("system-lineage", "system-lineage", "Table lineage (system tables)", "-", reason),
        ]
    return collect_system_tables(source, now)


def export_bundle(options: ExportOptions, progress: Progress = lambda _: None) -> ExportResult:
    """Collect, evaluate, write and sign one bundle at `options.out`; nothing is left half-written."""
    started = time.perf_counter()
    key = load_private_key(options.key)
    previous = _previous(options.previous, key)
    _check_out(options.out)
    now = export_time()
    with tempfile.TemporaryDirectory(prefix="lakeward-evidence-") as tmp:
        stacks_dir = options.stacks
        if stacks_dir is None:
            from lakeward.synth import synthesize

            progress("synthesizing stacks")
            stacks_dir = synthesize(
                options.env,
                Path(tmp) / "synth",
                environments_dir=options.environments_dir,
                tenants_dir=options.tenants if options.tenants and options.tenants.is_dir() else None,
                releases_dir=options.releases_dir,
            ).out
        items = collect(options, stacks_dir, now, progress)
    progress("evaluating controls")
    controls = evaluate(load_controls(), items, now)
    provenance = next(i for i in items if i.kind == "provenance")
    meta = {
        "format": FORMAT,
        "environment": options.env,
        "created": iso(now),
        "commit": provenance.summary["commit"],
        "sequence": previous["sequence"] + 1 if previous else 1,
        "previous": previous,
        "key_id": verifier.key_id(key.public_key()),
        "lakeward": __version__,
    }
    payload = _payload(meta, items, controls)
    progress("writing and signing")
    with staged_directory(options.out) as staging:
        digest = write_bag(staging, payload, meta, key)
    return ExportResult(
        options.out,
        digest,
        meta["sequence"],
        status_counts(controls),
        dict(Counter(item.status for item in items)),
        len(payload) + 5,
        time.perf_counter() - started,
    )


def _payload(meta: dict[str, Any], items: list[Item], controls: list[Any]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for item in items:
        for name, content in item.files.items():
            if name in files:
                raise LakewardError(
                    f"two evidence items write {name}", source=item.id, fix="rename one of the source files"
                )
            files[name] = content
    counts = status_counts(controls)
    index = {"bundle": meta, "items": [item.index_entry() for item in items], "controls": counts}
    files["index.json"] = canonical_json(index)
    files["controls.json"] = canonical_json([control.as_dict() for control in controls])
    files["report.html"] = render(meta, controls, items).encode("utf-8")
    return {f"data/{name}": content for name, content in files.items()}


def write_bag(root: Path, payload: dict[str, bytes], meta: dict[str, Any], key: Any) -> str:
    """Write payload, manifests and bag-info, sign the tag manifest; return the bundle digest."""
    import hashlib

    for name, content in payload.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content in payload.items()}
    tag_files = {
        "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        "bag-info.txt": _bag_info(meta, payload).encode("utf-8"),
        MANIFEST: verifier.manifest_text(hashes).encode("utf-8"),
    }
    for name, content in tag_files.items():
        (root / name).write_bytes(content)
    tag_manifest = verifier.manifest_text({n: hashlib.sha256(c).hexdigest() for n, c in tag_files.items()})
    (root / TAG_MANIFEST).write_bytes(tag_manifest.encode("utf-8"))
    digest = hashlib.sha256(tag_manifest.encode("utf-8")).hexdigest()
    statement = {
        "_type": verifier.STATEMENT_TYPE,
        "subject": [{"name": TAG_MANIFEST, "digest": {"sha256": digest}}],
        "predicateType": verifier.PREDICATE_TYPE,
        "predicate": {
            key_: meta[key_] for key_ in ("environment", "created", "commit", "sequence", "previous")
        }
        | {"index_sha256": hashes["data/index.json"], "files": len(payload)}
        | ({"drift_sha256": hashes[DRIFT_FILE]} if DRIFT_FILE in hashes else {}),
    }
    body = canonical_json(statement)
    signature = key.sign(verifier.pae(PAYLOAD_TYPE, body))
    envelope = {
        "payload": base64.b64encode(body).decode("ascii"),
        "payloadType": PAYLOAD_TYPE,
        "signatures": [{"keyid": meta["key_id"], "sig": base64.b64encode(signature).decode("ascii")}],
    }
    (root / ENVELOPE).write_bytes(canonical_json(envelope))
    return f"sha256:{digest}"


def _bag_info(meta: dict[str, Any], payload: dict[str, bytes]) -> str:
    fields = {
        "Source-Organization": "Lakeward",
        "Bagging-Date": meta["created"][:10],
        "Bag-Software-Agent": f"lakeward {meta['lakeward']}",
        "External-Identifier": f"lakeward-evidence-{meta['environment']}-{meta['sequence']}",
        "Payload-Oxum": f"{sum(len(c) for c in payload.values())}.{len(payload)}",
        "Lakeward-Environment": meta["environment"],
        "Lakeward-Created": meta["created"],
        "Lakeward-Commit": str(meta["commit"]),
        "Lakeward-Sequence": str(meta["sequence"]),
        "Lakeward-Previous-Digest": (meta["previous"] or {}).get("digest", "none"),
        "Lakeward-Signing-Key": meta["key_id"],
    }
    return "".join(f"{name}: {value}\n" for name, value in fields.items())


def read_index(bundle: Path) -> dict[str, Any]:
    """A bundle's `data/index.json`, with a clear error when the folder is not a bundle."""
    try:
        return json.loads((bundle / "data" / "index.json").read_bytes())
    except (OSError, ValueError):
        raise LakewardError(
            "not an evidence bundle (no readable data/index.json)",
            source=str(bundle),
            fix="pass a folder `lakeward evidence export` wrote",
        ) from None
