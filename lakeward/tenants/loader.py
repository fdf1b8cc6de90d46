"""Load tenant specs: one file alone, or a folder checked as a whole. Bad input raises `LakewardError`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from infra.config import ENVIRONMENTS_DIR, Environment, load_environment
from lakeward.errors import LakewardError
from lakeward.locate import project_path
from lakeward.specfiles import checked_name, inside, load_yaml, read_text
from lakeward.tenants.model import TENANT_NAME, Tenant
from lakeward.tenants.rules import Problem, environment_problems, folder_problems, tenant_problems

TENANTS_DIR = project_path("tenants")
SCHEMA_HINT = "see schemas/tenant.schema.json"


class SpecLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML 1.2 booleans: only true/false, so the spec's `on:` key stays the string `on`.
    libyaml's parser when PyYAML has it (about 5x faster on a folder of 100 specs)."""


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _raise(problems: list[Problem], source: str) -> None:
    if problems:
        first = problems[0]
        extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise LakewardError(first.message + extra, source=source, field=first.field, fix=first.fix)


def _shape_problem(error: ErrorDetails) -> Problem:
    parts: list[str] = []
    for part in error["loc"]:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            parts.append("except" if part == "except_" else str(part))
    field = ".".join(parts) or "(top level)"
    if error["type"] == "extra_forbidden":
        return Problem(field, "unknown key", f"remove it or correct its spelling ({SCHEMA_HINT})")
    if error["type"] == "missing":
        return Problem(field, "is required", f"add {field} ({SCHEMA_HINT})")
    description = _description([p for p in error["loc"] if isinstance(p, str)])
    fix = f"set {field} to {description}" if description else SCHEMA_HINT
    return Problem(field, error["msg"].removeprefix("Value error, "), fix)


def _description(path: list[str]) -> str | None:
    """The description of the field at `path` in the spec model, following nested models."""
    current: Any = Tenant
    description = None
    for part in path:
        fields = getattr(current, "model_fields", None)
        if not fields:
            break
        info = next((f for name, f in fields.items() if part in (name, f.alias)), None)
        if info is None:
            break
        description = info.description
        args = (info.annotation, *getattr(info.annotation, "__args__", ()))
        current = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if current is None:
            inner = [getattr(a, "__args__", ()) for a in args]
            current = next(
                (a for group in inner for a in group if isinstance(a, type) and issubclass(a, BaseModel)),
                None,
            )
    return description


def parse_tenant(data: Any, source: str) -> Tenant:
    """Validate one already-parsed spec alone."""
    if not isinstance(data, dict):
        raise LakewardError(
            "the file must hold a YAML mapping", source=source, fix="run `lakeward tenant new`"
        )
    try:
        tenant = Tenant.model_validate(data)
    except ValidationError as exc:
        _raise([_shape_problem(error) for error in exc.errors()], source)
        raise  # unreachable: a ValidationError always has an error
    _raise(tenant_problems(tenant), source)
    return tenant


def read_spec(path: Path) -> Any:
    text = read_text(path, what="tenant spec", fix="run `lakeward tenant new NAME`")
    return load_yaml(text, str(path), SpecLoader)


def spec_path(tenants_dir: Path, name: str, field: str = "NAME") -> Path:
    """`tenants_dir/<name>.yaml` for a checked tenant name; never a path outside the folder."""
    checked_name(
        name,
        field=field,
        pattern=TENANT_NAME,
        fix="use 3 to 40 lowercase letters, digits and underscores, starting with a letter",
    )
    return inside(tenants_dir, name, ".yaml")


def load_tenant_file(path: Path) -> Tenant:
    """Load one spec and check it alone; its file name must be its tenant name."""
    tenant = parse_tenant(read_spec(path), str(path))
    if tenant.name != path.stem:
        raise LakewardError(
            f"name '{tenant.name}' differs from the file name",
            source=str(path),
            field="metadata.name",
            fix=f"set metadata.name to {path.stem} or rename the file",
        )
    return tenant


def spec_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise LakewardError("no such folder", source=str(directory), field="--tenants-dir", fix="create it")
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_tenants(
    directory: Path = TENANTS_DIR,
    environments_dir: Path = ENVIRONMENTS_DIR,
    extra: dict[Path, Tenant] | None = None,
) -> dict[str, Tenant]:
    """Every spec of a folder, each checked alone, against the others and against its environments.

    `extra` adds specs not (yet) written to the folder, such as one `tenant new` is about to write.
    """
    loaded = {str(path): load_tenant_file(path) for path in spec_files(directory)}
    loaded.update({str(path): tenant for path, tenant in (extra or {}).items()})
    for source, problems in sorted(folder_problems(loaded).items()):
        _raise(problems, source)
    environments: dict[str, Environment] = {}
    for source, tenant in loaded.items():
        for index, ref in enumerate(tenant.spec.workspaces):
            if ref.name not in environments:
                try:
                    environments[ref.name] = load_environment(ref.name, environments_dir)
                except LakewardError as exc:
                    raise LakewardError(
                        f"unknown environment '{ref.name}'",
                        source=source,
                        field=f"spec.workspaces[{index}].name",
                        fix=exc.fix,
                    ) from None
            _raise(environment_problems(tenant, environments[ref.name], index), source)
    return {tenant.name: tenant for tenant in loaded.values()}


def tenants_in(environment: str, tenants: dict[str, Tenant]) -> list[Tenant]:
    """The tenants that list `environment` among their workspaces, by name."""
    return [
        tenants[name]
        for name in sorted(tenants)
        if environment in {ref.name for ref in tenants[name].spec.workspaces}
    ]


def tenant_json_schema() -> dict[str, Any]:
    """The JSON Schema editors use to validate tenant specs."""
    schema = Tenant.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://lakeward.dev/schemas/tenant.schema.json"
    return schema
