"""Hand-written Terraform (HCL) in the contract's layout, so every check of the pack judges it too.

checkov parses a folder of `.tf` files into a graph whose vertices hold each block's configuration with
variables, locals, module inputs and `jsonencode` evaluated where it can, each value wrapped in a list.
`documents` turns those vertices into one stack document per module instance (`{"resource": {type:
{name: body}}, "data": ...}`): values unwrapped, references to the module's own resources written
`${type.name.attribute}` as synthesis writes them, and every value HCL leaves open (a variable without
default, a module output, a resource the folder does not declare, a function checkov could not
evaluate) kept as an `Unresolved` string. `dynamic` blocks, which checkov does not expand, are expanded
here from the raw HCL (`expand_dynamic`).

The document is read through `Tracked` dictionaries that note each unresolved value a check reads, and
each lookup of a resource type that a module call (whose resources the document cannot show) might
create. `judge` keeps a problem only when it was found before the check read anything open; a verdict
that rests on an open value is undecided, never passed. Standard library only, like the rest of the pack.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from .base import Policy, Resource

# Roots of HCL expressions whose value a static reading does not know.
OPEN_ROOTS = frozenset({"var", "local", "module", "each", "count", "path", "terraform", "self"})
TRAVERSAL = re.compile(
    r"^(?P<data>data\.)?(?P<type>[a-z][a-z0-9_]*)\.(?P<name>[\w-]+)(?P<index>\[[^\]]*\])?"
    r"(?P<rest>(?:\.[\w-]+|\[[^\]]*\])*)$"
)
FUNCTION_CALL = re.compile(r"^[a-z][a-z0-9_]*\(.*\)$", re.DOTALL)
TEMPLATE = re.compile(r"\$\{|%\{")
INTERPOLATION = re.compile(r"\$\{[^{}]*\}")
ITERATOR = re.compile(r"^\$\{(?P<name>\w+)\.(?P<part>key|value)(?P<rest>(?:\.\w+|\[\"?[^\]\"]*\"?\])*)\}$")
META = re.compile(r"^__\w+__$")
OPEN_VARIABLE = re.compile(r"\bvar\.(\w+)")
JSONENCODE = re.compile(r"^\$\{jsonencode\((?P<value>.*)\)\}$", re.DOTALL)
# Marks a variable a `.tfvars` file of the folder sets: checkov renders its value into the attributes.
SET_BY_TFVARS = "__tfvars__"
CONVERSION = re.compile(r"^\$\{(?P<function>toset|tolist|tomap)\((?P<inner>[^()]*)\)\}$")


class Unresolved(str):
    """A value HCL leaves open until plan time, holding the expression as written."""


class Reads:
    """The open values a check has read, in order."""

    def __init__(self) -> None:
        self.open: list[str] = []

    def note(self, value: Any) -> None:
        self.open.extend(str(item) for item in _open_parts(value))

    def note_elsewhere(self, type_: str, modules: list[str]) -> None:
        self.open.append(f"{type_} (module {', '.join(modules)} may create some)")


class Tracked(dict[str, Any]):
    """A dictionary that notes the open values a check reads from it, by key or through `items()`.
    `values()` notes nothing: the pack walks it for references (`contract.references_in`), and an open
    value is by its nature no reference to a resource of the module. On the maps of resource types,
    `modules` holds the module calls whose resources the document does not show, with the types each
    creates (None: unknown, a module checkov could not read); looking a type up there notes the calls
    that may create more of it."""

    def __init__(
        self, items: dict[str, Any], reads: Reads, modules: dict[str, frozenset[str] | None] | None = None
    ) -> None:
        super().__init__(items)
        self.reads, self.modules = reads, modules or {}

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        self.reads.note(value)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        callers = [name for name, types in self.modules.items() if types is None or key in types]
        if callers:
            self.reads.note_elsewhere(key, callers)
        value = super().get(key, default)
        self.reads.note(value)
        return value

    def items(self):
        for value in super().values():
            self.reads.note(value)
        return super().items()


def _open_parts(value: Any) -> Iterator[Unresolved]:
    """The unresolved value itself, or those in a list of plain values (blocks are read one by one)."""
    if isinstance(value, Unresolved):
        yield value
    elif isinstance(value, list):
        yield from (item for item in value if isinstance(item, Unresolved))


class Scope(NamedTuple):
    """What expressions of one module instance can see: its resources, the defaults of its variables,
    its locals, and the variables nothing sets (no default, no argument from the module call, no
    `.tfvars` file)."""

    addresses: frozenset[str]
    variables: dict[str, Any]
    locals: dict[str, Any]
    open_variables: frozenset[str] = frozenset()


def classify(text: str, scope: Scope) -> Any:
    """A string as checkov left it: a literal, a reference to a resource of the module, or open."""
    body = text[2:-1] if text.startswith("${") and text.endswith("}") and text.count("${") == 1 else text
    match = TRAVERSAL.match(body)
    if match:
        root = match["type"]
        address = f"{match['data'] or ''}{root}.{match['name']}"
        if not match["data"] and root in OPEN_ROOTS:
            return _variable(root, match["name"], match["rest"], scope, text)
        if address in scope.addresses:
            return f"${{{address}{match['rest']}}}"
        if "_" in root or match["data"]:
            return Unresolved(text)
        return text
    if TEMPLATE.search(text):
        return _template(text, scope)
    return Unresolved(text) if FUNCTION_CALL.match(body) else text


def _template(text: str, scope: Scope) -> str:
    """A string with `${...}` in it: known when each sequence is a reference to a resource of the module
    (kept, as synthesis writes it) or a variable or local with a stated value (put in its place)."""
    parts = []
    last = 0
    for match in INTERPOLATION.finditer(text):
        value = classify(match.group(), scope)
        if isinstance(value, Unresolved) or not isinstance(value, str | int | float):
            return Unresolved(text)
        parts += [text[last : match.start()], str(value)]
        last = match.end()
    parts.append(text[last:])
    literal = parts[::2]
    return Unresolved(text) if any(TEMPLATE.search(part) for part in literal) else "".join(parts)


def _variable(root: str, name: str, rest: str, scope: Scope, text: str) -> Any:
    """A plain `var.x` or `local.x` whose value the module states; anything else stays open."""
    known = {"var": scope.variables, "local": scope.locals}.get(root, {})
    return known[name] if name in known and not rest else Unresolved(text)


def plain(value: Any, scope: Scope) -> Any:
    """An attribute's value (not wrapped): strings classified, lists and maps walked."""
    if isinstance(value, str):
        return classify(value, scope)
    if isinstance(value, list):
        return [plain(item, scope) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item, scope) for key, item in value.items()}
    return value


def body(config: dict[str, Any], scope: Scope, raw: dict[str, Any] | None = None) -> dict[str, Any]:
    """A block's configuration with each wrapped value unwrapped. `raw`, the same block as the HCL file
    writes it, tells blocks from map attributes (checkov wraps both the same way) and supplies the
    `dynamic` blocks (open without it)."""
    result: dict[str, Any] = {}
    for key, value in config.items():
        if META.match(key) or key == "dynamic":
            continue
        written = raw.get(key) if raw is not None else None
        result[key] = _wrapped(value, scope, written if written is not None else value)
    if raw is not None:
        result.update(expand_dynamic(raw, scope))
    else:
        for entry in config.get("dynamic") or []:
            result.update({name: Unresolved(f"dynamic {name}") for name in entry})
    return result


def _is_block(value: Any) -> bool:
    """A nested block's configuration: every value wrapped in a list (a map attribute's are not)."""
    return isinstance(value, dict) and all(isinstance(item, list) for item in value.values())


def _blocks(value: Any) -> list[dict[str, Any]] | None:
    """The blocks a wrapped value holds; None for an attribute."""
    if isinstance(value, list) and value and all(_is_block(item) for item in value):
        return value
    return None


def _wrapped(value: Any, scope: Scope, written: Any) -> Any:
    """One wrapped value; `written` (the raw HCL, else the value itself) says whether it holds blocks."""
    raw_blocks = _blocks(written)
    if isinstance(value, list) and raw_blocks is not None and _blocks(value) is not None:
        aligned: list[Any] = raw_blocks if len(raw_blocks) == len(value) else [None] * len(value)
        return [body(item, scope, aligned[index]) for index, item in enumerate(value)]
    rendered = plain(value[0] if isinstance(value, list) and len(value) == 1 else value, scope)
    if written is not value and isinstance(written, list) and len(written) == 1:
        return _as_written(rendered, written[0], scope)
    return rendered


def _as_written(rendered: Any, written: Any, scope: Scope) -> Any:
    """`rendered`, corrected by the expression the file writes: a reference to a resource of the module
    stays a reference where checkov put the referenced value in its place (the reference orders
    creation; a copy does not), and a value that reads a variable nothing sets stays open where checkov
    put an empty value of the variable's type in its place."""
    if isinstance(written, str):
        value = classify(written, scope)
        if isinstance(value, Unresolved):
            reads = {name for name in OPEN_VARIABLE.findall(written) if name in scope.open_variables}
            if reads:
                return value
            return _jsonencoded(written, scope) if isinstance(rendered, Unresolved) else rendered
        return value if isinstance(value, str) and value.startswith("${") else rendered
    if isinstance(written, list) and isinstance(rendered, list) and len(written) == len(rendered):
        return [_as_written(r, w, scope) for r, w in zip(rendered, written, strict=True)]
    if isinstance(written, dict) and isinstance(rendered, dict):
        return {key: _as_written(value, written.get(key), scope) for key, value in rendered.items()}
    return rendered


def _jsonencoded(written: str, scope: Scope) -> Any:
    """The object a `jsonencode(...)` that checkov left unevaluated encodes, its strings classified as
    any value is (hcl2 writes the object as a Python literal, expressions as `${...}` strings)."""
    match = JSONENCODE.match(written)
    try:
        value = ast.literal_eval(match["value"]) if match else None
    except (ValueError, SyntaxError):
        value = None
    return _raw_value(value, scope) if isinstance(value, dict | list) else Unresolved(written)


def expand_dynamic(raw: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """`{block name: blocks}` for each block name a `dynamic` block generates, static blocks of the same
    name first; the name is `Unresolved` when `for_each` is open. The iterator's `key` is the map key or
    list index, and the element itself for a set
    (https://developer.hashicorp.com/terraform/language/expressions/dynamic-blocks)."""
    expanded: dict[str, Any] = {}
    for entry in raw.get("dynamic") or []:
        for name, spec in entry.items():
            if isinstance(expanded.get(name), Unresolved):
                continue
            blocks = expanded.setdefault(
                name, [_raw_body(block, scope) for block in _blocks(raw.get(name)) or []]
            )
            items = _for_each(spec.get("for_each", [None])[0], scope)
            if isinstance(items, Unresolved):
                expanded[name] = items
                continue
            iterator = str((spec.get("iterator") or [f"${{{name}}}"])[0]).strip("${}")
            for key, item in items:
                for content in spec.get("content") or []:
                    blocks.append(_raw_body(_substitute(content, iterator, key, item), scope))
    return expanded


def _for_each(expression: Any, scope: Scope) -> list[tuple[Any, Any]] | Unresolved:
    """`(key, value)` of each element, as Terraform iterates a map, a list or (`toset`) a set."""
    conversion = CONVERSION.match(expression) if isinstance(expression, str) else None
    value = _raw_value(f"${{{conversion['inner']}}}" if conversion else expression, scope)
    if isinstance(value, dict) and not _has_open(value):
        return list(value.items())
    if isinstance(value, list) and not _has_open(value):
        is_set = conversion is not None and conversion["function"] == "toset"
        return [(item, item) for item in value] if is_set else list(enumerate(value))
    return Unresolved(str(expression))


def _has_open(value: Any) -> bool:
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, dict):
        return any(_has_open(item) for item in value.values())
    return isinstance(value, list) and any(_has_open(item) for item in value)


def _raw_body(block: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """A block as hcl2 parses the file: each value wrapped in a list, expressions as `${...}`."""
    result: dict[str, Any] = {}
    for key, value in block.items():
        if META.match(key) or key == "dynamic":
            continue
        if _blocks(value) is not None:
            result[key] = [_raw_body(item, scope) for item in value]
        else:
            single = isinstance(value, list) and len(value) == 1
            result[key] = _raw_value(value[0] if single else value, scope)
    result.update(expand_dynamic(block, scope))
    return result


def _raw_value(value: Any, scope: Scope) -> Any:
    if isinstance(value, list):
        return [_raw_value(item, scope) for item in value]
    if isinstance(value, dict):
        return {str(key): _raw_value(item, scope) for key, item in value.items()}
    return classify(value, scope) if isinstance(value, str) else value


def _substitute(value: Any, iterator: str, key: Any, item: Any) -> Any:
    """A dynamic block's content with `<iterator>.key` and `<iterator>.value[.attribute]` replaced."""
    if isinstance(value, list):
        return [_substitute(child, iterator, key, item) for child in value]
    if isinstance(value, dict):
        return {name: _substitute(child, iterator, key, item) for name, child in value.items()}
    match = ITERATOR.match(value) if isinstance(value, str) else None
    if match is None or match["name"] != iterator:
        return value
    found: Any = key if match["part"] == "key" else item
    for part in re.findall(r"\.(\w+)|\[\"?([^\]\"]*)\"?\]", match["rest"]):
        attribute = part[0] or part[1]
        if not isinstance(found, dict) or attribute not in found:
            return Unresolved(value)
        found = found[attribute]
    return found


class Vertex(NamedTuple):
    """One block of checkov's graph: its kind, module instance, type, name and configuration."""

    kind: str
    module: str
    type: str
    name: str
    config: dict[str, Any]
    file: str


def vertex(attributes: dict[str, Any]) -> Vertex | None:
    """A graph vertex's attributes as a `Vertex`; None for blocks documents do not hold."""
    kind = str(attributes.get("block_type_", ""))
    block_name = str(attributes.get("block_name_", ""))
    address = str(attributes.get("__address__", block_name))
    module = address[: len(address) - len(block_name)] if address.endswith(block_name) else ""
    config = attributes.get("config_") or {}
    file = str(attributes.get("file_path_", ""))
    if kind in ("resource", "data"):
        type_, _, name = block_name.partition(".")
        inner = config.get(type_, {}).get(name) if isinstance(config.get(type_), dict) else None
        return Vertex(kind, module, type_, name, inner, file) if isinstance(inner, dict) else None
    if kind in ("variable", "module"):
        inner = config.get(block_name)
        inner = inner if isinstance(inner, dict) else {}
        sources = (attributes.get("rendering_breadcrumbs_") or {}).get("default") or []
        if kind == "variable" and any(source.get("type") == "tfvar" for source in sources):
            inner = {**inner, SET_BY_TFVARS: True}
        return Vertex(kind, module, "", block_name, inner, file)
    if kind == "locals":
        return Vertex(kind, module, "", block_name, {"value": config.get(block_name)}, file)
    return None


# A module instance: the folder of its files and its address prefix (`""` for a root module,
# `module.a.` or `module.a["k"].` for a called one). checkov reads a folder's subfolders as root modules
# of their own (examples, environments), each with its own resources and variables.
Instance = tuple[str, str]


def instance(item: Vertex) -> Instance:
    return os.path.dirname(item.file), item.module


def scopes(vertices: list[Vertex]) -> dict[Instance, Scope]:
    """`{module instance: Scope}`: what each module instance sees (a call's arguments set variables)."""
    addresses: dict[Instance, set[str]] = {}
    variables: dict[Instance, dict[str, Any]] = {}
    local_values: dict[Instance, dict[str, Any]] = {}
    declared: dict[Instance, set[str]] = {}
    for item in vertices:
        key = instance(item)
        if item.kind in ("resource", "data"):
            prefix = "data." if item.kind == "data" else ""
            addresses.setdefault(key, set()).add(f"{prefix}{item.type}.{_base_name(item.name)}")
        elif item.kind == "variable" and SET_BY_TFVARS not in item.config:
            declared.setdefault(key, set()).add(item.name)
            if isinstance(item.config.get("default"), list):
                variables.setdefault(key, {})[item.name] = item.config["default"][0]
        elif item.kind == "locals" and isinstance(item.config.get("value"), list):
            local_values.setdefault(key, {})[item.name] = item.config["value"][0]
    arguments: dict[Instance, set[str]] = {}
    for call in (item for item in vertices if item.kind == "module"):
        for key in declared:
            if _under(key[1], call, directly=True):
                arguments.setdefault(key, set()).update(call.config)
    return {
        key: Scope(
            frozenset(addresses.get(key, ())),
            variables.get(key, {}),
            local_values.get(key, {}),
            frozenset(declared.get(key, set()) - set(variables.get(key, {})) - arguments.get(key, set())),
        )
        for key in {*addresses, *declared, *local_values}
    }


def _under(module: str, call: Vertex, directly: bool = False) -> bool:
    """Whether the module instance `module` (`module.a.`, `module.a["k"].`) is created by `call`, itself
    or (unless `directly`) through the modules it calls."""
    head = f"{call.module}module.{call.name}"
    inside = module.startswith((f"{head}.", f"{head}["))
    return inside and (not directly or module.count("module.") == head.count("module."))


def created_types(vertices: list[Vertex]) -> dict[Instance, dict[str, frozenset[str] | None]]:
    """`{module instance: {call name: resource types}}` for each module call: the types the call's
    module (and the modules it calls) create, or None when checkov could not read that module."""
    calls: dict[Instance, dict[str, frozenset[str] | None]] = {}
    for call in vertices:
        if call.kind != "module":
            continue
        inside = [item for item in vertices if _under(item.module, call)]
        types = frozenset(item.type for item in inside if item.kind == "resource")
        calls.setdefault(instance(call), {})[call.name] = types if inside else None
    return calls


def _base_name(name: str) -> str:
    """`name` of a `count` or `for_each` instance such as `name[0]` or `name["a"]`."""
    return name.split("[", 1)[0]


def documents(
    vertices: list[Vertex], reads: Reads, raw: dict[tuple[str, str, str], dict[str, Any]] | None = None
) -> dict[Instance, Tracked]:
    """`{module instance: document}`; `raw` gives each resource and data source as its file writes it,
    by `(file, type, name)` (see `body`)."""
    known = scopes(vertices)
    modules = created_types(vertices)
    blocks: dict[Instance, dict[str, dict[str, dict[str, Any]]]] = {}
    for item in vertices:
        if item.kind not in ("resource", "data"):
            continue
        key = instance(item)
        scope = known.get(key, Scope(frozenset(), {}, {}))
        source = (raw or {}).get((item.file, item.type, _base_name(item.name)))
        converted = body(item.config, scope, source)
        kind = blocks.setdefault(key, {}).setdefault(item.kind, {})
        kind.setdefault(item.type, {})[item.name] = converted
    return {
        key: _track(
            {kind: _track_types(types, reads, modules.get(key, {})) for kind, types in content.items()},
            reads,
        )
        for key, content in blocks.items()
    }


def _track_types(types: dict[str, Any], reads: Reads, modules: dict[str, frozenset[str] | None]) -> Tracked:
    return Tracked({name: _track(items, reads) for name, items in types.items()}, reads, modules)


def _track(value: Any, reads: Reads) -> Any:
    if isinstance(value, Tracked):
        return value
    if isinstance(value, dict):
        return Tracked({key: _track(item, reads) for key, item in value.items()}, reads)
    if isinstance(value, list):
        return [_track(item, reads) for item in value]
    return value


class Verdict(NamedTuple):
    """A check's verdict on one resource: `problems` found from known values only; `open` lists what
    the verdict would have rested on but HCL leaves open (undecided when there are no problems)."""

    problems: list[str]
    open: list[str]

    @property
    def undecided(self) -> bool:
        return not self.problems and bool(self.open)


def judge(policy: Policy, resource: Resource, reads: Reads) -> Verdict | None:
    """`policy` on one resource of a tracked document; None when the check does not apply."""
    reads.open.clear()
    if policy.synthesized_only or not policy.covers(resource.type):
        return None
    applies = policy.applies(resource)
    if reads.open:
        return Verdict([], list(dict.fromkeys(reads.open)))
    if not applies:
        return None
    certain = []
    for problem in policy.problems(resource):
        if reads.open:
            break
        certain.append(problem)
    return Verdict(certain, list(dict.fromkeys(reads.open)))
