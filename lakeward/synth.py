"""Synthesize an environment's stacks to Terraform JSON in the layout `policies.contract` owns
(`OUT/stacks/<stack>/...`), in-process, all or nothing."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lakeward.cache import Cache
from lakeward.errors import LakewardError
from lakeward.files import staged_directory
from lakeward.fingerprint import digest_text
from lakeward.stack_keys import TENANT_MODULE, Sources, StackKeys
from lakeward.stack_store import StoredStack, capture, load, restore
from lakeward.workers.client import enabled as workers_enabled
from policies import contract
from stacks.names import tenant_stack_id
from stacks.stages import STAGES

if TYPE_CHECKING:
    from infra.config import Environment
    from lakeward.releases.model import ReleaseFile
    from lakeward.tenants.model import Tenant
    from lakeward.wheel import Wheel

CACHE_KIND = "stacks"

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
    built: list[str] = field(default_factory=list)  # synthesized now; the others came from the cache

    @property
    def resources(self) -> int:
        return sum(stack.resources for stack in self.stacks)

    def as_dict(self) -> dict:
        return {
            "environment": self.environment,
            "out": str(self.out),
            "seconds": round(self.seconds, 3),
            "resources": self.resources,
            "built": self.built,
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
    use_cache: bool = True,
    on_build: Callable[[], object] | None = None,
) -> SynthResult:
    """Validate `environments/<env_name>.yaml`, the tenant specs and the release file, build every
    stack of the environment (one per tenant listing it, the endpoints the release file serves), check
    each tenant's blast radius and write them to `out`. The workspace uploads `wheel` (default: this
    checkout's, built reproducibly).

    A stack whose key (`lakeward.stack_keys`) is in the build cache is copied from there; the platform
    stacks are built together when any of them changed, a changed tenant's stack alone. `use_cache=False`
    builds everything without reading or writing the cache. `on_build` is called before anything is built."""
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
    sources = Sources(environments_dir, tenants_dir or (TENANTS_DIR if TENANTS_DIR.is_dir() else None))
    facts = BuildFacts(releases, tenants, wheel)
    return _write(env, out, backend, facts, sources if use_cache else None, on_build, with_platform=True)


def synthesize_tenants(
    env: Environment,
    tenants: list[Tenant],
    out: Path,
    *,
    backend: str | None = None,
    releases_dir: Path | None = None,
    sources: Sources | None = None,
    use_cache: bool = True,
    on_build: Callable[[], object] | None = None,
) -> SynthResult:
    """Build and write only the stacks of `tenants` in `env` (no foundation, account or AWS provider),
    with their kill switches from the release file, after checking each one's blast radius. With
    `sources` (where `env` and the specs were read), a tenant stack whose key is in the build cache is
    copied from there."""
    from lakeward.releases.files import load_releases

    facts = BuildFacts(load_releases(env, releases_dir), tenants)
    return _write(env, out, backend, facts, sources if use_cache else None, on_build, with_platform=False)


def _write(
    env: Environment,
    out: Path,
    backend: str | None,
    facts: BuildFacts,
    sources: Sources | None,
    on_build: Callable[[], object] | None,
    *,
    with_platform: bool,
) -> SynthResult:
    """Build the platform (when asked) and `facts.tenants` into a staging folder and swap it in as
    `out`; with `sources`, through the build cache. Only a build with the platform digests the platform's
    facts (the wheel among them): tenant keys never read them."""
    _check_target(out)
    started = time.perf_counter()
    keys = None
    if sources is not None:
        platform_facts = facts.for_platform() if with_platform else ""
        keys = StackKeys(sources, env.name, backend, platform_facts, facts.for_tenants())
    build = _Build(env, backend, keys, Cache(CACHE_KIND, enabled=keys is not None), facts, on_build)
    with staged_directory(out) as staging:
        built = build.run(staging, facts.tenants, with_platform=with_platform)
    return SynthResult(env.name, out, summarize(out), time.perf_counter() - started, built)


def stack_keys(
    env_name: str, sources: Sources, backend: str | None = None, releases_dir: Path | None = None
) -> StackKeys:
    """The keys `synthesize` uses for `env_name` as read from `sources`."""
    from infra.config import load_environment
    from lakeward.releases.files import load_releases
    from lakeward.tenants.loader import load_tenants, tenants_in

    env = load_environment(env_name, sources.environments_dir)
    specs = load_tenants(sources.tenants_dir, sources.environments_dir) if sources.tenants_dir else {}
    facts = BuildFacts(load_releases(env, releases_dir), tenants_in(env.name, specs))
    return StackKeys(sources, env.name, backend, facts.for_platform(), facts.for_tenants())


@dataclass
class BuildFacts:
    """What decides stacks beside their input files and code: the parsed release file (the serving
    endpoints, and each tenant's kill switch), the wheel the workspace uploads, and the tenants the
    platform is built with (the retrieval stack has an index per active tenant)."""

    releases: ReleaseFile
    tenants: list[Tenant]
    wheel: Wheel | None = None

    def project_wheel(self) -> Wheel:
        """The injected wheel, else this checkout's (built once per change of its sources)."""
        from lakeward.wheel import project_wheel

        if self.wheel is None:
            self.wheel = project_wheel()
        return self.wheel

    def for_tenants(self) -> str:
        """What decides every tenant stack besides its spec: the release file (kill switches)."""
        return digest_text(self.releases.model_dump_json())

    def for_platform(self) -> str:
        """What decides the platform stacks besides the environment file."""
        roster = sorted((t.name, t.archived) for t in self.tenants)
        return digest_text(self.for_tenants(), repr(roster), self.project_wheel().sha256)


@dataclass
class _Build:
    """One synthesis into a staging folder: what the cache holds is copied, the rest is built."""

    env: Environment
    backend: str | None
    keys: StackKeys | None
    cache: Cache
    facts: BuildFacts
    on_build: Callable[[], object] | None = None

    def run(self, staging: Path, tenants: list[Tenant], *, with_platform: bool) -> list[str]:
        """Fill `staging`; the IDs of the stacks synthesized (not copied from the cache)."""
        layout = self._layout() if with_platform else {}
        stored = self._stored_platform(layout) if layout is not None else None
        rebuild_platform = with_platform and stored is None
        reused = dict(stored or {})
        missing, tenant_keys = [], {}
        for tenant in tenants:
            stack = tenant_stack_id(self.env.name, tenant.name)
            tenant_keys[stack] = self.keys.tenant(stack) if self.keys else None
            # The platform is built with every tenant (the retrieval stack indexes each one's tables).
            hit = None if rebuild_platform else load(self.cache, tenant_keys[stack])
            if hit is None:
                missing.append(tenant)
            else:
                reused[stack] = hit
        built: dict[str, str] = {}
        if rebuild_platform or missing:
            if self.on_build:
                self.on_build()
            built = self._synthesize(staging, missing, rebuild_platform)
            self._store(staging, built, tenant_keys)
        restore(staging, reused)
        return list(built)

    def _layout(self) -> dict[str, str] | None:
        """`{stack: module}` of the platform stacks, as the last build with these inputs made them."""
        key = self.keys.layout() if self.keys else None
        payload = self.cache.get(key) if key else None
        stacks = payload.get("stacks") if isinstance(payload, dict) else None
        if not isinstance(stacks, dict) or not all(isinstance(m, str) for m in stacks.values()):
            return None
        return stacks

    def _stored_platform(self, layout: dict[str, str]) -> dict[str, StoredStack] | None:
        """Every platform stack from the cache, or None when any one of them is missing."""
        found = {}
        for stack, module in layout.items():
            key = self.keys.platform(stack, module, list(layout.values())) if self.keys else None
            hit = load(self.cache, key)
            if hit is None:
                return None
            found[stack] = hit
        return found

    def _synthesize(self, staging: Path, tenants: list[Tenant], with_platform: bool) -> dict[str, str]:
        """Build the platform (when asked) and `tenants` into `staging`; `{stack: module}` built. Tenant
        stacks alone go to the `synth` worker when one answers and agrees on their keys."""
        if self.keys is not None and self.cache.enabled and workers_enabled():
            if with_platform:
                _start_worker()
            elif (built := _built_by_worker(self, staging, tenants)) is not None:
                return built
        return build_stacks(staging, self.env, self.backend, self.facts, tenants, with_platform)

    def _store(self, staging: Path, built: dict[str, str], tenant_keys: dict[str, str | None]) -> None:
        """Put every stack just built into the cache, and the platform's layout when it was built."""
        if self.keys is None:
            return
        platform = {stack: module for stack, module in built.items() if stack not in tenant_keys}
        modules = list(platform.values())
        for stack, module in built.items():
            key = tenant_keys[stack] if stack in tenant_keys else self.keys.platform(stack, module, modules)
            if stack in tenant_keys and module != TENANT_MODULE:
                key = None  # the tenant keys digest the code of TENANT_MODULE, not of this one
            if key:
                self.cache.put(key, capture(staging, stack).as_payload())
        layout_key = self.keys.layout() if platform else None
        if layout_key:
            self.cache.put(layout_key, {"stacks": platform})


def build_stacks(
    staging: Path,
    env: Environment,
    backend: str | None,
    facts: BuildFacts,
    tenants: list[Tenant],
    with_platform: bool,
) -> dict[str, str]:
    """Build the platform (when asked) and `tenants` into `staging` in this process, and check each
    tenant's blast radius; `{stack: module}` built."""
    from cdktn import App

    from policies.blast_radius import check_stacks

    if with_platform:
        from stacks.app import APP_CONTEXT, build_footprint

        app = App(outdir=str(staging), context=APP_CONTEXT)
        footprint = build_footprint(
            app,
            env,
            backend,  # type: ignore[arg-type]
            tenants,
            facts.releases,
            facts.project_wheel(),
        )
        stacks, tenant_stacks = footprint.stacks(), footprint.tenants
    else:
        from stacks.tenant import TenantStack

        app = App(outdir=str(staging), context={"targetVersions": {"terraform": ">=1.10.0"}})
        tenant_stacks = [
            TenantStack(
                app,
                env=env,
                tenant=tenant,
                backend=backend,  # type: ignore[arg-type]
                killed=facts.releases.tenant_killed(tenant.name),
            )
            for tenant in tenants
        ]
        stacks = list(tenant_stacks)
    app.synth()
    check_stacks(staging, [(stack.node.id, stack.footprint.namespace) for stack in tenant_stacks])
    return {stack.node.id: type(stack).__module__ for stack in stacks}


def _start_worker() -> None:
    """Start the `synth` worker after a run that builds the platform, for the tenant edits that follow."""
    from lakeward.workers import synth_worker

    worker = synth_worker.worker()
    if worker is not None and not worker.listening():
        worker.start_at_exit()


def _built_by_worker(build: _Build, staging: Path, tenants: list[Tenant]) -> dict[str, str] | None:
    """`{stack: module}` the `synth` worker built into `staging`, or None when it did not."""
    from lakeward.workers import synth_worker

    keys = build.keys
    worker = synth_worker.worker()
    if keys is None or keys.sources.tenants_dir is None or worker is None:
        return None
    stack_keys = {
        stack: keys.tenant(stack) for stack in (tenant_stack_id(build.env.name, t.name) for t in tenants)
    }
    if None in stack_keys.values():
        return None
    answer = worker.ask(
        {
            "op": "synth-tenants",
            "env": build.env.name,
            "environments_dir": str(keys.sources.environments_dir),
            "tenants_dir": str(keys.sources.tenants_dir),
            "backend": build.backend,
            "tenants": [tenant.name for tenant in tenants],
            "releases": build.facts.releases.model_dump(mode="json"),
            "keys": stack_keys,
            "staging": str(staging),
        },
        timeout=synth_worker.TIMEOUT_SECONDS,
    )
    if answer is not None and isinstance(answer.get("error"), dict):
        raise LakewardError(**answer["error"])
    built = answer.get("built") if answer else None
    return built if isinstance(built, dict) and set(built) == set(stack_keys) else None
