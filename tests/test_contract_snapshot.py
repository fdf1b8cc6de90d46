"""The synthesized JSON is the contract: its bytes change only when a change means to change them.

`tests/snapshots/synth.sha256` holds the SHA-256 of every stack of dev and prod (with the shipped
tenants). A refactor must leave it as it is; a change to the footprint rewrites it with
`LAKEWARD_UPDATE_SNAPSHOT=1 pytest tests/test_contract_snapshot.py` and the diff is reviewed with it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from policies.contract import stack_paths
from tests.footprint import Synthesized

SNAPSHOT = Path(__file__).parent / "snapshots" / "synth.sha256"


def digests(synthesized: dict[str, Synthesized]) -> str:
    lines = [
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {env}/stacks/{stack}/cdk.tf.json"
        for env in sorted(synthesized)
        for stack, path in stack_paths(synthesized[env].out).items()
    ]
    return "\n".join(lines) + "\n"


def test_synthesized_json_matches_the_reviewed_snapshot(synthesized: dict[str, Synthesized]) -> None:
    current = digests(synthesized)
    if os.environ.get("LAKEWARD_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(current)
    assert current == SNAPSHOT.read_text(), (
        "the synthesized JSON changed; if the change is intended, rerun with LAKEWARD_UPDATE_SNAPSHOT=1 "
        "and review tests/snapshots/synth.sha256 with it"
    )
