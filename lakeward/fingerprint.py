"""Digests of what decides a build: input files, the first-party code a module runs, and the versions of
the distributions that code imports, all read without importing any of it.

A module's code is its static import closure over the first-party packages (`FIRST_PARTY`): every
`import` statement anywhere in the module (inside functions too, except under `if TYPE_CHECKING:`),
followed transitively, with each package's `__init__.py`. The third-party top-level names met on the way
are resolved to installed distributions through their `.dist-info` folders, so a binding's version
counts without importing the binding.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lakeward.cache import Cache

FIRST_PARTY = ("infra", "stacks", "lakeward", "policies")


class Unreadable(Exception):
    """An input of a key cannot be read or resolved: no key, so nothing cached is trusted."""


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_text(*parts: str) -> str:
    """One digest of several strings, each length-prefixed so that no two lists collide."""
    hasher = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8")
        hasher.update(f"{len(encoded)}:".encode())
        hasher.update(encoded)
    return hasher.hexdigest()


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes; `Unreadable` when it cannot be read."""
    try:
        return digest_bytes(path.read_bytes())
    except OSError as exc:
        raise Unreadable(f"{path}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class Code:
    """The first-party files a module runs (path under its package root, digest of its bytes) and the
    third-party top-level packages they import."""

    files: frozenset[tuple[str, str]]
    third_party: frozenset[str]

    def __or__(self, other: Code) -> Code:
        return Code(self.files | other.files, self.third_party | other.third_party)

    def digest(self) -> str:
        """Digest of every file and of the versions of the distributions its code imports."""
        parts = [f"{name}={digest}" for name, digest in sorted(self.files)]
        parts += [distribution_version(name) for name in sorted(self.third_party)]
        return digest_text(*parts)


def code_of(*modules: str) -> Code:
    """The static import closure of first-party modules; `Unreadable` when a source is missing."""
    for module in modules:
        source_file(module)
    files: set[tuple[str, str]] = set()
    third: set[str] = set()
    seen: set[str] = set()
    pending = list(modules)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name)
        if path is None:
            continue  # a name imported from a module (`from x import function`), not a module
        try:
            source = path.read_bytes()
        except OSError as exc:
            raise Unreadable(f"{path}: {exc.strerror or exc}") from None
        digest = digest_bytes(source)
        files.add((_relative(path), digest))
        parts = name.split(".")
        pending += [".".join(parts[:end]) for end in range(1, len(parts))]
        for imported in _parsed_imports(name, path.name == "__init__.py", digest, source):
            top = imported.partition(".")[0]
            if top in FIRST_PARTY:
                pending.append(imported)
            elif top and top not in sys.stdlib_module_names:
                third.add(top)
    return Code(frozenset(files), frozenset(third))


def module_file(name: str) -> Path | None:
    """The source file of a first-party module (`a/b.py` or `a/b/__init__.py`), or None."""
    top, *rest = name.split(".")
    root = _package_dir(top)
    if root is None:
        return None
    base = root.joinpath(*rest)
    for candidate in (base.with_suffix(".py") if rest else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


@cache
def _package_dir(top: str) -> Path | None:
    if top not in FIRST_PARTY:
        return None
    spec = importlib.util.find_spec(top)
    return Path(spec.origin).parent if spec and spec.origin else None


def source_file(module: str) -> Path:
    """The source file of a first-party module; `Unreadable` when there is none."""
    path = module_file(module)
    if path is None:
        raise Unreadable(f"no source for module {module}")
    return path


def source_name(module: str) -> str:
    """How `Code.files` names a module's source file."""
    return _relative(source_file(module))


def _relative(path: Path) -> str:
    for top in FIRST_PARTY:
        root = _package_dir(top)
        if root is not None and path.is_relative_to(root):
            return f"{top}/{path.relative_to(root).as_posix()}"
    return path.as_posix()


def _parsed_imports(module: str, is_package: bool, digest: str, source: bytes) -> frozenset[str]:
    """Every module name an import statement of `source` may load, remembered by the source's digest
    in this process and in the build cache (parsing is most of the time a key takes)."""
    key = digest_text("imports", module, str(is_package), digest)
    if key in _IMPORTS:
        return _IMPORTS[key]
    stored = _imports_cache().get(key)
    if isinstance(stored, list) and all(isinstance(name, str) for name in stored):
        found = frozenset(stored)
    else:
        found = _parse_imports(module, is_package, source)
        _imports_cache().put(key, sorted(found))
    _IMPORTS[key] = found
    return found


_IMPORTS: dict[str, frozenset[str]] = {}


def _imports_cache() -> Cache:
    from lakeward.cache import Cache

    return Cache("imports")


def _parse_imports(module: str, is_package: bool, source: bytes) -> frozenset[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise Unreadable(f"{module}: {exc}") from None
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _executed(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


def _executed(tree: ast.AST) -> list[ast.AST]:
    """The nodes of `tree`, leaving out `if TYPE_CHECKING:` bodies (they never run)."""
    nodes, pending = [], [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return nodes


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


_DIST_INFO = re.compile(r"^(?P<name>.+?)-(?P<version>[^-]+)\.dist-info$")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@cache
def _installed() -> dict[str, tuple[str, Path]]:
    """`{normalized distribution name: (version, dist-info folder)}` from the `sys.path` listings."""
    found: dict[str, tuple[str, Path]] = {}
    for entry in sys.path:
        folder = Path(entry or ".")
        try:
            names = [child.name for child in folder.iterdir() if child.name.endswith(".dist-info")]
        except OSError:
            continue
        for name in names:
            if match := _DIST_INFO.match(name):
                found.setdefault(_normalized(match["name"]), (match["version"], folder / name))
    return found


@cache
def _top_levels() -> dict[str, str]:
    """`{top-level package: normalized distribution}` from the `top_level.txt` files that exist."""
    owners: dict[str, str] = {}
    for dist, (_, info) in _installed().items():
        try:
            lines = (info / "top_level.txt").read_text(encoding="utf-8").split()
        except OSError:
            continue
        for top in lines:
            owners.setdefault(top, dist)
    return owners


def distribution_version(top_level: str) -> str:
    """`name==version` of the distribution that installs the package `top_level`."""
    installed = _installed()
    dist = _normalized(top_level)
    if dist not in installed:
        dist = _top_levels().get(top_level, "")
    if dist not in installed:
        raise Unreadable(f"no installed distribution provides '{top_level}'")
    return f"{dist}=={installed[dist][0]}"


def installation_digest() -> str:
    """Digest of every first-party source file and of every installed distribution's version: cheaper
    than an import closure and broader, for what must change whenever any code could have (a worker's
    identity); `Unreadable` when a source file cannot be read."""
    parts = [sys.executable]
    for top in FIRST_PARTY:
        root = _package_dir(top)
        for path in sorted(root.rglob("*.py")) if root else []:
            parts.append(f"{_relative(path)}={file_digest(path)}")
    parts += [f"{name}=={version}" for name, (version, _) in sorted(_installed().items())]
    return digest_text(*parts)
