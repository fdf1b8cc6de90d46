"""Synthesize an environment's stacks to Terraform JSON in the layout `policies.contract` owns
(`OUT/stacks/<stack>/...`), in-process, all or nothing."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lakeward.errors import LakewardError
from lakeward.files import staged_directory
from policies import contract
from stacks.stages import STAGES

if TYPE_CHECKING:
    from infra.config import Environment
    from lakeward.tenants.model import Tenant
    from lakeward.wheel import Wheel

os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(Path.home() / ".cache" / "lakeward" / "jsii"))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass(frozen=True)
class StackSummary:
    name: str
    path: Path
    resources: int
    data_sources: int
    resource_types: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SynthResult:
    environment: str
    out: Path
    stacks: list[StackSummary]
    seconds: float

    @property
    def resources(self) -> int:
        return sum(stack.resources for stack in self.stacks)

    def as_dict(self) -> dict:
        return {
            "environment": self.environment,
            "out": str(self.out),
            "seconds": round(self.seconds, 3),
            "resources": self.resources,
            "stacks": [
                {
                    "name": s.name,
                    "path": str(s.path),
                    "resources": s.resources,
                    "data_sources": s.data_sources,
                }
                for s in self.stacks
            ],
            "stages": [stage.as_dict([s.name for s in self.stacks]) for stage in STAGES],
        }


def summarize(out: Path) -> list[StackSummary]:
    """Count what each synthesized stack under `out` declares."""
    summaries = []
    for stack, path in contract.stack_paths(out).items():
        document = contract.read_document(path)
        types = Counter(type_ for type_, _, _ in contract.resources(document))
        data = contract.resource_count(document, "data")
        summaries.append(StackSummary(stack, path, sum(types.values()), data, dict(sorted(types.items()))))
    return summaries


def _check_target(out: Path) -> None:
    if (out.exists() or out.is_symlink()) and not out.is_dir():
        raise LakewardError(
            "a file, not a folder", source=str(out), field="--out", fix="pass a new or empty folder"
        )
    if out.exists() and any(out.iterdir()) and not (out / "manifest.json").exists():
        raise LakewardError(
            "refusing to replace a folder that is not a synth output",
            source=str(out),
            field="--out",
            fix="pass an empty or new folder, or a folder an earlier `lakeward synth` wrote",
        )


def synthesize(
    env_name: str,
    out: Path,
    *,
    backend: str | None = None,
    environments_dir: Path | None = None,
    tenants_dir: Path | None = None,
    releases_dir: Path | None = None,
    wheel: Wheel | None = None,
) -> SynthResult:
    """Validate `environments/<env_name>.yaml`, the tenant specs and the release file, build every
    stack of the environment (one per tenant listing it, the endpoints the release file serves), check
    each tenant's blast radius and write them to `out`. The workspace uploads `wheel` (default: this
    checkout's, built reproducibly)."""
    from infra.config import ENVIRONMENTS_DIR, load_environment
    from lakeward.releases.files import load_releases
    from lakeward.tenants.loader import TENANTS_DIR, load_tenants, tenants_in

    if backend not in (None, "s3", "local"):
        raise LakewardError(f"unknown backend '{backend}'", field="--backend", fix="use s3 or local")
    environments_dir = environments_dir or ENVIRONMENTS_DIR
    env = load_environment(env_name, environments_dir)
    if tenants_dir is None and not TENANTS_DIR.is_dir():
        tenants = []  # an installed package without a tenants/ folder: the platform alone
    else:
        tenants = tenants_in(env.name, load_tenants(tenants_dir or TENANTS_DIR, environments_dir))
    releases = load_releases(env, releases_dir)
    _check_target(out)
    started = time.perf_counter()
    from cdktn import App

    from policies.blast_radius import check_stacks
    from stacks.app import APP_CONTEXT, build_footprint

    with staged_directory(out) as staging:
        app = App(outdir=str(staging), context=APP_CONTEXT)
        footprint = build_footprint(app, env, backend, tenants, releases, wheel)  # type: ignore[arg-type]
        app.synth()
        check_stacks(staging, [(stack.node.id, stack.footprint.namespace) for stack in footprint.tenants])
    return SynthResult(env.name, out, summarize(out), time.perf_counter() - started)


def synthesize_tenants(
    env: Environment,
    tenants: list[Tenant],
    out: Path,
    *,
    backend: str | None = None,
    releases_dir: Path | None = None,
) -> SynthResult:
    """Build and write only the stacks of `tenants` in `env` (no foundation, account or AWS provider),
    with their kill switches from the release file, after checking each one's blast radius."""
    from lakeward.releases.files import load_releases

    releases = load_releases(env, releases_dir)
    _check_target(out)
    started = time.perf_counter()
    from cdktn import App

    from policies.blast_radius import check_stacks
    from stacks.tenant import TenantStack

    with staged_directory(out) as staging:
        app = App(outdir=str(staging), context={"targetVersions": {"terraform": ">=1.10.0"}})
        stacks = [
            TenantStack(
                app,
                env=env,
                tenant=tenant,
                backend=backend,  # type: ignore[arg-type]
                killed=releases.tenant_killed(tenant.name),
            )
            for tenant in tenants
        ]
        app.synth()
        check_stacks(staging, [(stack.node.id, stack.footprint.namespace) for stack in stacks])
    return SynthResult(env.name, out, summarize(out), time.perf_counter() - started)
