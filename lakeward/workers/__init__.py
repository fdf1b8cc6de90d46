"""Resident workers: processes that keep the slow-to-start parts of the inner loop loaded between runs.

Starting checkov (about 2.3 s of imports) and loading the Databricks provider bindings into jsii (about
1.9 s) dominate a run that rebuilds one tenant. A worker pays that once and then answers requests on a
Unix socket: `synth` builds tenant stacks with the bindings already loaded, `checkov` forks a fresh
scanner from an already-imported checkov for each scan. A run asks a worker first and does the work
itself when none answers; a worker is started in the background when a run finds none, and exits after
`IDLE_SECONDS` without a request, when its code changes on disk, or on `lakeward workers stop`.

Workers are on by default on a workstation and off where `CI` is set (each CI job is one run);
`LAKEWARD_WORKERS=on|off` decides explicitly, and `--no-cache` never uses them.
"""
