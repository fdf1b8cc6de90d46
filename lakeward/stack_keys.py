"""What decides each synthesized stack, as one cache key per stack.

A stack's key digests its ID, the state backend, the Lakeward and Python versions, the bytes of its
input files (`platform_inputs`, `tenant_inputs`: the one place that says what each kind reads) and its
code. Its code is the static import closure (`lakeward.fingerprint`) of the module that defines its
class, with the versions of the distributions that closure imports (the provider bindings among them),
joined by:

- the closure of every other stack module that imports it: such a stack may reference this one's
  attributes, which CDK Terrain turns into outputs of this stack, so that code decides this stack too;
- the source of the builders (`BUILDERS`), which choose the stacks and their arguments;
- for tenant stacks, the closure of the blast-radius check that admits them (`TENANT_CHECK`).

The platform stacks (every stack but the tenants') reference each other and are built together by
`stacks.app.build_footprint`; which of them an environment has is remembered in a layout entry, keyed
by the platform inputs and the builders, with the module of each stack. Tenant stacks read the platform
only through remote state, so each is built alone.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from pathlib import Path

from lakeward import __version__
from lakeward.fingerprint import (
    Code,
    Unreadable,
    code_of,
    digest_text,
    file_digest,
    source_file,
    source_name,
)
from stacks.names import TENANT, parse_stack_id

BUILDERS = ("stacks.app", "lakeward.synth")
TENANT_MODULE = "stacks.tenant"
TENANT_CHECK = "policies.blast_radius"


@dataclass(frozen=True)
class Sources:
    """Where an environment's input files are."""

    environments_dir: Path
    tenants_dir: Path | None  # None: no tenants folder, so no tenant stacks

    def environment(self, env: str) -> Path:
        return self.environments_dir / f"{env}.yaml"

    def tenant_spec(self, name: str) -> Path:
        """The tenant's spec (`NAME.yaml` or `NAME.yml`, as the loader reads them)."""
        if self.tenants_dir is None:
            raise Unreadable(f"no tenants folder for tenant {name}")
        for suffix in (".yaml", ".yml"):
            if (path := self.tenants_dir / f"{name}{suffix}").is_file():
                return path
        raise Unreadable(f"no spec file for tenant {name} in {self.tenants_dir}")


def platform_inputs(sources: Sources, env: str) -> list[Path]:
    """The files the platform stacks (and which of them exist) are built from."""
    return [sources.environment(env)]


def tenant_inputs(sources: Sources, env: str, tenant: str) -> list[Path]:
    """The files a tenant's stack is built from (and its blast radius judged by)."""
    return [sources.environment(env), sources.tenant_spec(tenant)]


@dataclass
class StackKeys:
    """Keys of one environment's stacks; a key whose inputs cannot be read is None (never cached)."""

    sources: Sources
    env: str
    backend: str | None
    platform_facts: str = ""  # `lakeward.synth.BuildFacts.for_platform()`: releases, tenant roster, wheel
    tenant_facts: str = ""  # `lakeward.synth.BuildFacts.for_tenants()`: the release file's kill switches
    _code: dict[str, Code] = field(default_factory=dict)

    def layout(self) -> str | None:
        """The key of the layout entry: which platform stacks the environment has, and their modules."""
        try:
            builders = self._builders()
            inputs = self._inputs(platform_inputs(self.sources, self.env))
            return self._key("layout", inputs, self.platform_facts, builders)
        except Unreadable:
            return None

    def platform(self, stack: str, module: str, modules: list[str]) -> str | None:
        """The key of the platform stack `stack`, defined in `module`; `modules` are the modules of
        every platform stack of the environment."""
        try:
            code, own = self._closure(module), source_name(module)
            for other in modules:
                if other != module and any(name == own for name, _ in self._closure(other).files):
                    code = code | self._closure(other)
            inputs = self._inputs(platform_inputs(self.sources, self.env))
            return self._key(stack, inputs, self.platform_facts, code.digest(), self._builders())
        except Unreadable:
            return None

    def tenant(self, stack: str) -> str | None:
        """The key of a tenant stack."""
        try:
            name = parse_stack_id(stack).tenant
            if parse_stack_id(stack).kind != TENANT or name is None:
                raise Unreadable(f"{stack} is not a tenant stack")
            code = self._closure(TENANT_MODULE) | self._closure(TENANT_CHECK)
            inputs = self._inputs(tenant_inputs(self.sources, self.env, name))
            return self._key(stack, inputs, self.tenant_facts, code.digest(), self._builders())
        except (Unreadable, ValueError):
            return None

    def _closure(self, module: str) -> Code:
        if module not in self._code:
            self._code[module] = code_of(module)
        return self._code[module]

    def _builders(self) -> str:
        """The builders' own source (not their closure: that is every stack's code)."""
        return digest_text(*(f"{module}={file_digest(source_file(module))}" for module in BUILDERS))

    def _inputs(self, paths: list[Path]) -> str:
        return digest_text(*(f"{path.name}={file_digest(path)}" for path in paths))

    def _key(self, *parts: str) -> str:
        versions = (f"lakeward=={__version__}", f"python=={platform.python_version()}")
        return digest_text(*versions, self.env, self.backend or "", *parts)
