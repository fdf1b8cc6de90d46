"""The `tenant` commands: new, validate, plan, remove and schema, each returning an `Outcome`.
`tenants_dir` defaults to the repository's tenants/. Each imports what it needs, so that `tenant plan`
(markdown) never loads rich."""

from __future__ import annotations

from pathlib import Path

from lakeward.output import Outcome
from lakeward.tenants.loader import TENANTS_DIR


def new(name: str, env: str = "dev", tenants_dir: Path | None = None) -> Outcome:
    """Write a valid starter spec to TENANTS_DIR/NAME.yaml."""
    from lakeward.tenants.report import created_view
    from lakeward.tenants.scaffold import new_tenant

    path = new_tenant(name, tenants_dir or TENANTS_DIR, env=env)
    return Outcome({"path": str(path)}, created_view(name, path))


def validate(files: list[Path] | None = None, tenants_dir: Path | None = None) -> Outcome:
    """Check each spec (default: every spec in the folder) alone and against the others."""
    from lakeward.tenants.loader import spec_files
    from lakeward.tenants.report import validated_view
    from lakeward.tenants.validate import validate_files

    paths = files or spec_files(tenants_dir or TENANTS_DIR)
    tenants = validate_files(paths)
    data = {"valid": [str(path) for path in paths], "tenants": [t.name for t in tenants]}
    return Outcome(data, validated_view(paths, tenants))


def plan(
    name: str,
    env: str | None = None,
    out: Path | None = None,
    tenants_dir: Path | None = None,
    use_cache: bool = True,
) -> Outcome:
    """Synthesize only NAME's stack, scan it, and summarize it for a pull request (markdown)."""
    from lakeward.tenants.plan import plan_tenant

    result = plan_tenant(name, tenants_dir or TENANTS_DIR, env_name=env, out=out, use_cache=use_cache)
    return Outcome(result.as_dict(), result.markdown())


def remove(
    name: str, destroy: bool = False, confirm: str | None = None, tenants_dir: Path | None = None
) -> Outcome:
    """Archive a tenant (access revoked, data kept), or destroy an archived one after retention."""
    from lakeward.tenants.offboard import remove_tenant
    from lakeward.tenants.report import removal_view

    removal = remove_tenant(
        name, tenants_dir or TENANTS_DIR, mode="destroy" if destroy else "archive", confirm=confirm
    )
    return Outcome(removal.as_dict(), removal_view(removal))


def schema(out: Path | None = None) -> Outcome:
    """The tenant spec's JSON Schema."""
    from lakeward.commands import export_schema
    from lakeward.tenants.loader import tenant_json_schema

    return export_schema(tenant_json_schema(), out)
