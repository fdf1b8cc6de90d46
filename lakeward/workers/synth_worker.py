"""The `synth` worker: CDK Terrain and the Databricks bindings loaded once, tenant stacks built on request.

A request names the input files, the tenants, the release file (as its parsed model) and a staging
folder, with the build-cache key the asking run computed for each stack. The worker reads the inputs
itself, computes the keys again and builds only when they match, so what it writes is what those keys
stand for; with other inputs or other code on disk it refuses and the run builds the stacks itself.
Platform stacks are never built here (they need the AWS bindings too, and change rarely).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

from lakeward.cache import cache_root
from lakeward.errors import LakewardError
from lakeward.fingerprint import Unreadable, installation_digest
from lakeward.locate import project_root
from lakeward.workers.client import IDLE_SECONDS, Worker, socket_path
from lakeward.workers.server import Handler, exit_on_sigterm, serve

KIND = "synth"
MODULE = "lakeward.workers.synth_worker"
TIMEOUT_SECONDS = 300.0
# jsii keeps every object a build creates: the worker grows about 1 MB a build (measured over 40), so
# it makes way for a fresh one after this many.
MAX_BUILDS = 200


def identity() -> str:
    """The interpreter, every first-party source file and every installed distribution's version;
    `Unreadable` when the code cannot be read."""
    return installation_digest()


def worker() -> Worker | None:
    """The `synth` worker of this code for this project and build cache, or None when there can be none."""
    project, cache = str(project_root()), str(cache_root().resolve())
    try:
        path = socket_path(KIND, identity(), f"{project}\n{cache}")
    except Unreadable:
        return None
    if path is None:
        return None
    command = [sys.executable, "-m", MODULE, "--socket", str(path)]
    return Worker(KIND, path, command, {"LAKEWARD_PROJECT": project, "LAKEWARD_CACHE": cache})


def _prepare(started_as: str) -> Handler:
    """Load what a tenant build needs; a worker whose code changed while it loaded exits."""
    import cdktn  # noqa: F401

    import policies.blast_radius  # noqa: F401
    import stacks.tenant  # noqa: F401

    if identity() != started_as:
        raise SystemExit("the code changed while the worker started")
    return lambda request: _handle(request, started_as)


def _handle(request: dict[str, Any], started_as: str) -> dict[str, Any]:
    try:
        if identity() != started_as:
            return {"refused": "the code on disk changed since this worker started"}
        return build(request)
    except LakewardError as exc:
        return {"error": asdict(exc)}
    except Exception:  # a crash is answered, and the run then builds the stacks itself
        return {"refused": traceback.format_exc(limit=5)}


def build(request: dict[str, Any]) -> dict[str, Any]:
    """Build the requested tenant stacks into the request's staging folder when every key matches."""
    from infra.config import load_environment
    from lakeward.releases.model import ReleaseFile
    from lakeward.stack_keys import Sources, StackKeys
    from lakeward.synth import BuildFacts, build_stacks
    from lakeward.tenants.loader import load_tenant_file
    from stacks.names import tenant_stack_id

    sources = Sources(Path(request["environments_dir"]), Path(request["tenants_dir"]))
    env = load_environment(request["env"], sources.environments_dir)
    tenants = [load_tenant_file(sources.tenant_spec(name)) for name in request["tenants"]]
    facts = BuildFacts(ReleaseFile.model_validate(request["releases"]), tenants)
    keys = StackKeys(sources, env.name, request["backend"], "", facts.for_tenants())
    asked = {tenant_stack_id(env.name, tenant.name) for tenant in tenants}
    if not asked or set(request["keys"]) != asked:
        return {"refused": "the keys do not name exactly the stacks asked for"}
    stale = sorted(stack for stack, key in request["keys"].items() if keys.tenant(stack) != key)
    if stale:
        return {"refused": f"inputs changed for {', '.join(stale)}"}
    built = build_stacks(
        Path(request["staging"]), env, request["backend"], facts, tenants, with_platform=False
    )
    return {"built": built}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--socket", type=Path, required=True)
    path = parser.parse_args().socket
    started_as = identity()
    exit_on_sigterm()
    serve(
        path,
        lambda: _prepare(started_as),
        info={"kind": KIND, "identity": started_as, "cache": str(cache_root())},
        idle_seconds=IDLE_SECONDS,
        max_requests=MAX_BUILDS,
        current=lambda: _current(started_as),
    )


def _current(started_as: str) -> bool:
    try:
        return identity() == started_as
    except Unreadable:
        return False


if __name__ == "__main__":
    main()
