"""`lakeward drift`: read the live workspace, compare it with the code, judge it with the policy pack."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path

from lakeward.output import Outcome


def drift(
    env: str,
    input_dir: Path | None,
    out: Path | None,
    environ: Mapping[str, str],
    timeout: int = 60,
    waivers: Path | None = None,
    account_host: str | None = None,
) -> Outcome:
    """The drift report of `env` (synthesized, or read from `input_dir`); written to `out` when given;
    with `account_host`, the account console is read as well.
    Exit 0 clean, 1 drift or findings, 2 bad input, credentials, or objects that could not be read."""
    from infra.config import load_environment
    from lakeward.drift.code import check_input, code_stacks, read_code
    from lakeward.drift.compare import drifts, match
    from lakeward.drift.connect import account_client, workspace_client
    from lakeward.drift.posture import judge
    from lakeward.drift.readers import read_live
    from lakeward.drift.report import DriftReport, render
    from lakeward.files import write_atomic
    from policies import contract
    from policies.waivers import WAIVERS_FILE, load_waivers

    environment = load_environment(env)
    check_input(input_dir)
    accepted = load_waivers(waivers or WAIVERS_FILE)
    client = workspace_client(environ, timeout)
    account = (
        account_client(environ, account_host, environment.databricks.account_id, timeout)
        if account_host
        else None
    )
    with code_stacks(env, input_dir) as (folder, source):
        code = read_code(contract.read_stacks(folder), source)
        live = read_live(client, client.config.host or "", code, account)
        matching = match(code, live)
        posture = judge(matching, contract.stack_paths(folder), accepted)
    found = [
        dataclasses.replace(d, checks=posture.new_failures(d.stack, d.resource)) for d in drifts(matching)
    ]
    report = DriftReport(env, source, live, found, posture, matching.unmanaged)
    data = report.as_dict()
    if out is not None:
        write_atomic(out, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    return Outcome(data, render(report), report.exit_code)
