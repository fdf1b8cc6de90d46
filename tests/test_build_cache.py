"""Incremental synthesis: a warm run writes the bytes a cold run writes, and each change rebuilds exactly
the stacks it decides (inputs, construct code, corrupted entries, `--no-cache`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.config import ENVIRONMENTS_DIR
from lakeward import fingerprint
from lakeward.cache import Cache
from lakeward.stack_keys import Sources, StackKeys
from lakeward.synth import stack_keys, synthesize
from lakeward.tenants.loader import TENANTS_DIR
from stacks.names import (
    FOUNDATION,
    METASTORE,
    PLATFORM_KINDS,
    RETRIEVAL,
    SERVING,
    stack_id,
    tenant_stack_id,
)
from tests.cli import REPO, run_cli

PLATFORM_MODULES = {kind: f"stacks.{kind}" for kind in PLATFORM_KINDS}


def tenant_key(project: Sources, tenant: str = "claims_analytics") -> str | None:
    return stack_keys("dev", project).tenant(tenant_stack_id("dev", tenant))


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for this module's tests: keys hold content, so equal copies share entries."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> Sources:
    """Copies of the environments and tenants, and this module's cache."""
    monkeypatch.setenv("LAKEWARD_CACHE", str(cache_dir))
    shutil.copytree(ENVIRONMENTS_DIR, tmp_path / "environments")
    shutil.copytree(TENANTS_DIR, tmp_path / "tenants")
    return Sources(tmp_path / "environments", tmp_path / "tenants")


def synth(
    project: Sources, env: str, out: Path, use_cache: bool = True, releases: Path | None = None
) -> list[str]:
    result = synthesize(
        env,
        out,
        environments_dir=project.environments_dir,
        tenants_dir=project.tenants_dir,
        releases_dir=releases,
        use_cache=use_cache,
    )
    return result.built


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_warm_runs_write_the_bytes_of_a_cold_run(project: Sources, tmp_path: Path, env: str) -> None:
    cold = synth(project, env, tmp_path / "cold", use_cache=False)
    assert len(cold) == len(list((tmp_path / "cold" / "stacks").iterdir()))  # --no-cache: all of it
    synth(project, env, tmp_path / "filled")
    assert synth(project, env, tmp_path / "warm") == []
    assert tree(tmp_path / "warm") == tree(tmp_path / "cold")


def test_a_changed_tenant_rebuilds_its_stack_alone_as_a_cold_run_would(
    project: Sources, tmp_path: Path
) -> None:
    synth(project, "dev", tmp_path / "first")
    spec = project.tenant_spec("claims_analytics")
    spec.write_text(spec.read_text().replace("monthly_usd: 5000", "monthly_usd: 7000"))
    assert synth(project, "dev", tmp_path / "warm") == [tenant_stack_id("dev", "claims_analytics")]
    synth(project, "dev", tmp_path / "cold", use_cache=False)
    assert tree(tmp_path / "warm") == tree(tmp_path / "cold") != tree(tmp_path / "first")


def test_the_tenant_roster_and_the_release_file_decide_what_they_render(
    project: Sources, tmp_path: Path
) -> None:
    """The retrieval stack has an index per active tenant, the serving stack and each tenant's stack
    follow the release file: changing either rebuilds them, as a cold run would write them."""
    releases = tmp_path / "releases"
    shutil.copytree(REPO / "releases", releases)
    synth(project, "dev", tmp_path / "first", releases=releases)
    spec = project.tenant_spec("support_insights")
    spec.write_text(
        spec.read_text().replace(
            "  name: support_insights\n",
            "  name: support_insights\n  lifecycle: {state: archived, archived_at: 2026-11-01}\n",
        )
    )
    rebuilt = synth(project, "dev", tmp_path / "archived", releases=releases)
    assert stack_id("dev", RETRIEVAL) in rebuilt
    synth(project, "dev", tmp_path / "archived-cold", use_cache=False, releases=releases)
    assert tree(tmp_path / "archived") == tree(tmp_path / "archived-cold")
    release = releases / "dev.yaml"
    release.write_text(release.read_text().replace("version: 1", "version: 2"))
    assert stack_id("dev", SERVING) in synth(project, "dev", tmp_path / "released", releases=releases)
    synth(project, "dev", tmp_path / "released-cold", use_cache=False, releases=releases)
    assert tree(tmp_path / "released") == tree(tmp_path / "released-cold")


def test_an_edited_environment_rebuilds_its_stacks_only(project: Sources, tmp_path: Path) -> None:
    dev, prod = stack_keys("dev", project), stack_keys("prod", project)
    tenant = tenant_stack_id("dev", "claims_analytics")
    before = (dev.layout(), dev.tenant(tenant), prod.layout())
    path = project.environment("dev")
    path.write_text(path.read_text().replace("flow_log_retention_days: ", "flow_log_retention_days: 1"))
    after = (dev.layout(), dev.tenant(tenant), prod.layout())
    assert after[0] != before[0] and after[1] != before[1] and after[2] == before[2]


def test_nothing_changed_imports_no_construct_library(project: Sources, tmp_path: Path) -> None:
    synth(project, "dev", tmp_path / "first")
    program = (
        "import sys; from pathlib import Path; from lakeward.synth import synthesize; "
        f"r = synthesize('dev', Path(sys.argv[1]), environments_dir=Path({str(project.environments_dir)!r}), "
        f"tenants_dir=Path({str(project.tenants_dir)!r})); "
        "print(r.built, sorted(m for m in sys.modules if m.startswith(('cdktn', 'jsii', 'constructs'))))"
    )
    spec = project.tenant_spec("claims_analytics")
    runs = []
    for edit in (None, "monthly_usd: 9000"):
        if edit:
            spec.write_text(spec.read_text().replace("monthly_usd: 5000", edit))
        done = subprocess.run(
            [sys.executable, "-c", program, str(tmp_path / f"out-{len(runs)}")],
            capture_output=True, text=True, cwd=REPO, check=True,
        )  # fmt: skip
        runs.append(done.stdout.strip())
    assert runs[0] == "[] []"
    built, modules = runs[1].split("] [", 1)
    assert built == f"['{tenant_stack_id('dev', 'claims_analytics')}'"
    assert "cdktn_provider_databricks" in modules and "cdktn_provider_aws" not in modules


@pytest.mark.parametrize("damage", ["truncated", "not json", "digest", "another key"])
def test_a_corrupted_entry_is_ignored_and_rebuilt(project: Sources, tmp_path: Path, damage: str) -> None:
    synth(project, "dev", tmp_path / "cold")
    keys = stack_keys("dev", project)
    stack = tenant_stack_id("dev", "support_insights")
    entry = Cache("stacks")._path(str(keys.tenant(stack)))
    header, body = entry.read_text().split("\n", 1)
    if damage == "truncated":
        entry.write_text(f"{header}\n{body[: len(body) // 2]}")
    elif damage == "not json":
        entry.write_text("{not json")
    elif damage == "digest":
        entry.write_text(f"{header}\n{body.replace('support_insights', 'support_insight', 1)}")
    else:
        entry.write_text(json.dumps({**json.loads(header), "key": "0" * 64}) + f"\n{body}")
    assert synth(project, "dev", tmp_path / "warm") == [stack]
    assert tree(tmp_path / "warm") == tree(tmp_path / "cold")
    assert synth(project, "dev", tmp_path / "again") == []  # the rebuilt entry is good again


def test_unreadable_inputs_give_no_key(project: Sources) -> None:
    project.tenant_spec("claims_analytics").unlink()
    assert tenant_key(project) is None and StackKeys(project, "dev", None).layout() is not None
    project.environment("dev").unlink()
    assert StackKeys(project, "dev", None).layout() is None and platform_keys(project)[FOUNDATION] is None


@pytest.fixture
def sources_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project: Sources) -> Path:
    """A copy of the first-party packages that the fingerprints read instead of the real ones."""
    root = tmp_path / "src"
    for top in fingerprint.FIRST_PARTY:
        shutil.copytree(REPO / top, root / top, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(
        fingerprint, "_package_dir", lambda top: root / top if top in fingerprint.FIRST_PARTY else None
    )
    return root


def platform_keys(project: Sources) -> dict[str, str | None]:
    """The keys of dev's platform stacks, as a new run computes them."""
    keys, modules = StackKeys(project, "dev", None), list(PLATFORM_MODULES.values())
    return {
        kind: keys.platform(stack_id("dev", kind), PLATFORM_MODULES[kind], modules) for kind in PLATFORM_KINDS
    }


def test_a_changed_construct_invalidates_the_stacks_whose_code_runs_it(
    project: Sources, sources_copy: Path
) -> None:
    before, tenant_before = platform_keys(project), tenant_key(project)
    network = sources_copy / "infra" / "aws" / "network.py"
    network.write_text(network.read_text() + "\n# changed\n")
    after = platform_keys(project)
    changed = {kind for kind in PLATFORM_KINDS if before[kind] != after[kind]}
    assert changed == set(PLATFORM_KINDS) - {METASTORE}  # every stack whose code imports the network
    assert tenant_key(project) == tenant_before and None not in after.values()
    catalog = sources_copy / "infra" / "workspace" / "tenant" / "catalog.py"
    catalog.write_text(catalog.read_text() + "\n# changed\n")
    assert tenant_key(project) != tenant_before and platform_keys(project) == after


def test_a_consumer_decides_the_stack_it_reads(project: Sources, sources_copy: Path) -> None:
    """A stack referencing another adds outputs to it, so the referencing code is in the other's key."""
    before = platform_keys(project)
    serving = sources_copy / "stacks" / "serving.py"
    serving.write_text(serving.read_text() + "\n# changed\n")
    after = platform_keys(project)
    assert after[FOUNDATION] != before[FOUNDATION] and after[METASTORE] == before[METASTORE]


def test_cli_no_cache_synthesizes_everything_and_stores_nothing(
    project: Sources, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEWARD_CACHE", str(tmp_path / "own-cache"))
    args = ["synth", "--env", "dev", "--tenants-dir", str(project.tenants_dir), "--json"]
    forced = run_cli(*args, "--out", tmp_path / "a", "--no-cache")
    assert len(json.loads(forced.stdout)["built"]) == len(json.loads(forced.stdout)["stacks"])
    assert not (tmp_path / "own-cache").exists()
    run_cli(*args, "--out", tmp_path / "b")
    assert json.loads(run_cli(*args, "--out", tmp_path / "c").stdout)["built"] == []
