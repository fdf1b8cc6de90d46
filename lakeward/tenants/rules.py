"""Tenant rules beyond the shape: each problem names the field and the fix.

`tenant_problems` checks one spec alone, `folder_problems` checks specs against each other and
`environment_problems` checks a spec against an environment it lists.

These are not checks of the policy pack's kind (`policies.base.Check`): they judge a spec before anything
is synthesized, so a problem names a spec field rather than a resource and carries the fix that the
refusal (`LakewardError`: field, message, fix) shows. In the pack's words, the field is what was judged,
the message the reason, and an empty list the passing verdict. What the spec renders is judged after
synthesis by the pack and by `policies.blast_radius`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from infra.config import Environment
from lakeward.governance.library import FUNCTIONS, TAG_KEYS, tags_in
from lakeward.tenants.model import GOVERNANCE_SCHEMA, ROLES, Privilege, Tenant
from lakeward.tenants.namespace import catalog_name

ADMIN_ONLY = frozenset({Privilege.ALL_PRIVILEGES, Privilege.MANAGE})
CATALOG_ONLY = frozenset({Privilege.CREATE_SCHEMA})
BUILT_IN_GROUPS = frozenset({"users", "account users", "admins"})
ENDPOINT_NAME_MAX = 63  # serving endpoint names are `<tenant>-<endpoint>`
# No leading, trailing or doubled spaces: `claims-admins ` and `claims  admins` are not new groups.
GROUP_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]| (?! ))*(?<! )$")


def principal_key(name: str) -> str:
    """The form two principal names are compared in: case-folded, spaces collapsed, Unicode NFKC."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    fix: str


def tenant_problems(tenant: Tenant) -> list[Problem]:
    """Rules one spec must satisfy on its own."""
    return [
        *_owner_problems(tenant),
        *_group_problems(tenant),
        *_schema_problems(tenant),
        *_grant_problems(tenant),
        *_abac_problems(tenant),
        *_regulated_problems(tenant),
        *_budget_problems(tenant),
        *_secret_problems(tenant),
        *_serving_problems(tenant),
        *_lifecycle_problems(tenant),
    ]


def _owner_problems(tenant: Tenant) -> list[Problem]:
    problems = []
    for index, owner in enumerate(tenant.metadata.owners):
        field = f"metadata.owners[{index}]"
        if "@" in owner:
            problems.append(
                Problem(field, f"'{owner}' is a person; owners are groups", "name an account group")
            )
        elif principal_key(owner) in BUILT_IN_GROUPS:
            problems.append(Problem(field, f"'{owner}' is a built-in group", "name the tenant's own group"))
        elif not GROUP_NAME.match(owner):
            problems.append(
                Problem(field, f"'{owner}' is not a group name", "use letters, digits, space . _ -")
            )
    return problems


def _group_problems(tenant: Tenant) -> list[Problem]:
    groups = tenant.spec.groups.by_role()
    problems = []
    for role, group in groups.items():
        if "@" in group:
            problems.append(Problem(f"spec.groups.{role}", f"'{group}' is a person", "name an account group"))
        elif principal_key(group) in BUILT_IN_GROUPS:
            problems.append(
                Problem(f"spec.groups.{role}", f"'{group}' is a built-in group", "name a dedicated group")
            )
        elif not GROUP_NAME.match(group):
            problems.append(
                Problem(
                    f"spec.groups.{role}",
                    f"'{group}' is not a group name",
                    "use letters, digits, space . _ -",
                )
            )
    if len({principal_key(g) for g in groups.values()}) != len(groups):
        problems.append(
            Problem("spec.groups", "admins, engineers and readers must be different groups", "name 3 groups")
        )
    return problems


def _schema_problems(tenant: Tenant) -> list[Problem]:
    schemas = tenant.spec.catalog.schemas
    problems = []
    if len(set(schemas)) != len(schemas):
        problems.append(
            Problem("spec.catalog.schemas", "schema names must be unique", "remove the duplicate")
        )
    if GOVERNANCE_SCHEMA in schemas:
        problems.append(
            Problem(
                "spec.catalog.schemas",
                f"'{GOVERNANCE_SCHEMA}' is reserved for the tenant's ABAC functions",
                f"remove '{GOVERNANCE_SCHEMA}'; every tenant catalog has it",
            )
        )
    return problems


def _grant_problems(tenant: Tenant) -> list[Problem]:
    schemas = set(tenant.spec.catalog.schemas) | {GOVERNANCE_SCHEMA}
    seen: set[tuple[str, str]] = set()
    problems = []
    for index, grant in enumerate(tenant.spec.grants):
        field = f"spec.grants[{index}]"
        if (grant.role, grant.securable) in seen:
            problems.append(
                Problem(
                    field, f"a second grant to {grant.role} on {grant.securable}", "merge it into the first"
                )
            )
        seen.add((grant.role, grant.securable))
        if grant.securable.startswith("schema:") and grant.securable.removeprefix("schema:") not in schemas:
            problems.append(
                Problem(
                    f"{field}.securable",
                    f"no schema '{grant.securable[7:]}' in spec.catalog.schemas",
                    "add the schema",
                )
            )
        privileged = sorted(set(grant.privileges) & ADMIN_ONLY)
        if privileged and grant.role != "admins":
            problems.append(
                Problem(
                    f"{field}.privileges",
                    f"{', '.join(privileged)} may only go to admins, not {grant.role}",
                    "grant the specific privileges the role needs",
                )
            )
        misplaced = sorted(set(grant.privileges) & CATALOG_ONLY)
        if misplaced and grant.securable != "catalog":
            problems.append(
                Problem(
                    f"{field}.privileges",
                    f"{', '.join(misplaced)} exists only on catalogs",
                    "grant on catalog",
                )
            )
        if len(set(grant.privileges)) != len(grant.privileges):
            problems.append(
                Problem(f"{field}.privileges", "a privilege is listed twice", "remove the duplicate")
            )
    return problems


def _abac_problems(tenant: Tenant) -> list[Problem]:
    abac = tenant.spec.abac
    problems = []
    names = [rule.name for rule in (*abac.masks, *abac.filters)]
    if len(set(names)) != len(names):
        problems.append(Problem("spec.abac", "mask and filter names must be unique", "rename one"))
    for kind in ("masks", "filters"):
        offered = [f.name for f in FUNCTIONS if f"{f.kind}s" == kind]
        for index, rule in enumerate(getattr(abac, kind)):
            field = f"spec.abac.{kind}[{index}]"
            if set(rule.except_) >= set(ROLES):
                problems.append(Problem(f"{field}.except", "exempts every role", "leave one role covered"))
            if rule.name not in offered:
                problems.append(
                    Problem(
                        f"{field}.name",
                        f"'{rule.name}' is not one of the {kind} lakeward bootstrap creates",
                        f"use one of {', '.join(offered)} (lakeward.governance.library)",
                    )
                )
            unknown = [tag for tag in tags_in(rule.when) if tag not in TAG_KEYS]
            if unknown or not tags_in(rule.when):
                problems.append(
                    Problem(
                        f"{field}.when",
                        f"names no governed tag, or one lakeward bootstrap does not create: {unknown}",
                        f"select columns with hasTag('<tag>'), tag one of {', '.join(TAG_KEYS)}",
                    )
                )
    return problems


def _regulated_problems(tenant: Tenant) -> list[Problem]:
    if not tenant.is_regulated:
        return []
    why = _regulated_reason(tenant)
    problems = []
    if tenant.spec.catalog.isolation_mode != "ISOLATED":
        problems.append(
            Problem("spec.catalog.isolation_mode", f"{why} needs an isolated catalog", "set it to ISOLATED")
        )
    if not (tenant.spec.abac.masks or tenant.spec.abac.filters):
        problems.append(
            Problem("spec.abac", f"{why} needs at least one column mask or row filter", "add spec.abac.masks")
        )
    return problems


def _regulated_reason(tenant: Tenant) -> str:
    scopes: list[str] = sorted(
        s.value for s in tenant.metadata.compliance_scopes if s.value in ("hipaa", "pci")
    )
    if tenant.metadata.data_classification.value == "restricted":
        scopes.insert(0, "restricted data")
    return " and ".join(scopes)


def _budget_problems(tenant: Tenant) -> list[Problem]:
    budget = tenant.spec.budget
    problems = []
    if not budget.monthly_usd > 0:
        problems.append(
            Problem("spec.budget.monthly_usd", "the budget must be above zero", "set a positive amount")
        )
    for index, fraction in enumerate(budget.alerts_at):
        if not 0 < fraction <= 2:
            problems.append(
                Problem(
                    f"spec.budget.alerts_at[{index}]", f"{fraction} is not in (0, 2]", "use e.g. 0.8 or 1.0"
                )
            )
    if 1.0 not in budget.alerts_at:
        problems.append(Problem("spec.budget.alerts_at", "no alert at 100% of the budget", "add 1.0"))
    if len(set(budget.alerts_at)) != len(budget.alerts_at):
        problems.append(Problem("spec.budget.alerts_at", "an alert threshold is listed twice", "remove it"))
    return problems


def _secret_problems(tenant: Tenant) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for index, acl in enumerate(tenant.spec.secrets.acls):
        field = f"spec.secrets.acls[{index}]"
        if acl.permission == "MANAGE" and acl.role != "admins":
            problems.append(
                Problem(f"{field}.permission", f"MANAGE may only go to admins, not {acl.role}", "use READ")
            )
        if acl.role in seen:
            problems.append(Problem(f"{field}.role", f"a second ACL for {acl.role}", "keep one per role"))
        seen.add(acl.role)
    return problems


def _serving_problems(tenant: Tenant) -> list[Problem]:
    serving, schemas = tenant.spec.serving, set(tenant.spec.catalog.schemas)
    names = [endpoint.name for endpoint in serving.endpoints]
    problems = []
    if len(set(names)) != len(names):
        problems.append(
            Problem("spec.serving.endpoints", "endpoint names must be unique", "remove the duplicate")
        )
    for index, endpoint in enumerate(serving.endpoints):
        full_name = f"{tenant.name}-{endpoint.name}"
        if len(full_name) > ENDPOINT_NAME_MAX:
            problems.append(
                Problem(
                    f"spec.serving.endpoints[{index}].name",
                    f"the endpoint would be named '{full_name}', over {ENDPOINT_NAME_MAX} characters",
                    "shorten the endpoint name",
                )
            )
        for bound in ("min_concurrency", "max_concurrency"):
            value = getattr(endpoint, bound)
            if value is not None and value % 4:
                problems.append(
                    Problem(
                        f"spec.serving.endpoints[{index}].{bound}",
                        f"{value} is not a multiple of 4",
                        "use 0, 4, 8...",
                    )
                )
        if (endpoint.min_concurrency or 0) > endpoint.max_concurrency:
            problems.append(
                Problem(
                    f"spec.serving.endpoints[{index}].min_concurrency", "exceeds max_concurrency", "lower it"
                )
            )
        schema = endpoint.model_path.split(".")[0]
        if schema not in schemas:
            problems.append(
                Problem(
                    f"spec.serving.endpoints[{index}].model",
                    f"the model's schema '{schema}' is not in spec.catalog.schemas",
                    "set model to <schema>.<model> with one of the tenant's schemas",
                )
            )
    if serving.calls_per_user_per_minute > serving.calls_per_endpoint_per_minute:
        problems.append(
            Problem(
                "spec.serving.calls_per_user_per_minute", "exceeds calls_per_endpoint_per_minute", "lower it"
            )
        )
    limited: dict[str, set[str]] = defaultdict(set)
    for index, limit in enumerate(serving.rate_limits):
        if limit.endpoint is not None and limit.endpoint not in names:
            problems.append(
                Problem(
                    f"spec.serving.rate_limits[{index}].endpoint",
                    f"no endpoint '{limit.endpoint}' in spec.serving.endpoints",
                    "name a listed endpoint, or leave endpoint unset to cover all",
                )
            )
        for name in [limit.endpoint] if limit.endpoint else names:
            if limit.role in limited[name]:
                problems.append(
                    Problem(
                        f"spec.serving.rate_limits[{index}]",
                        f"{limit.role} is limited twice on {name}",
                        "merge",
                    )
                )
            limited[name].add(limit.role)
    for index, name in enumerate(names):
        if not limited[name]:
            problems.append(
                Problem(
                    f"spec.serving.endpoints[{index}]",
                    f"endpoint '{name}' has no rate limit",
                    "add a spec.serving.rate_limits entry for each role that may query it",
                )
            )
    return problems


def _lifecycle_problems(tenant: Tenant) -> list[Problem]:
    lifecycle = tenant.metadata.lifecycle
    if (lifecycle.state == "archived") != (lifecycle.archived_at is not None):
        return [
            Problem(
                "metadata.lifecycle.archived_at",
                "archived_at is set exactly when state is archived",
                "archive and restore with `lakeward tenant remove`, not by hand",
            )
        ]
    return []


def folder_problems(tenants: dict[str, Tenant]) -> dict[str, list[Problem]]:
    """Rules across the folder, by source: unique names, no principal shared between tenants."""
    problems: dict[str, list[Problem]] = defaultdict(list)
    by_name: dict[str, list[str]] = defaultdict(list)
    for source, tenant in tenants.items():
        by_name[tenant.name].append(source)
    for name, sources in by_name.items():
        for source in sources[1:]:
            problems[source].append(
                Problem(
                    "metadata.name",
                    f"tenant '{name}' is already defined in {sources[0]}",
                    "pick another name",
                )
            )
    owners: dict[str, tuple[str, str]] = {}
    for source, tenant in sorted(tenants.items()):
        for field, principal in _principal_fields(tenant):
            other = owners.get(principal_key(principal))
            if other and other[0] != tenant.name:
                problems[source].append(
                    Problem(
                        field,
                        f"'{principal}' also belongs to tenant '{other[0]}' ({other[1]})",
                        "give each tenant its own groups",
                    )
                )
            owners.setdefault(principal_key(principal), (tenant.name, source))
    return dict(problems)


def _principal_fields(tenant: Tenant) -> list[tuple[str, str]]:
    return [
        *((f"spec.groups.{role}", group) for role, group in tenant.spec.groups.by_role().items()),
        *((f"metadata.owners[{i}]", owner) for i, owner in enumerate(tenant.metadata.owners)),
    ]


def environment_problems(tenant: Tenant, env: Environment, index: int) -> list[Problem]:
    """Rules a spec must satisfy in one environment it lists (`spec.workspaces[index]`)."""
    field = f"spec.workspaces[{index}]"
    problems = []
    if tenant.is_regulated and not env.workspace.compliance_security_profile:
        problems.append(
            Problem(
                field,
                f"{_regulated_reason(tenant)} may only run in compliant workspaces; '{env.name}' has no "
                "compliance security profile",
                "list only environments with workspace.compliance_security_profile: true",
            )
        )
    compute = tenant.spec.compute
    if isinstance(compute.runtimes, list):
        for i, runtime in enumerate(compute.runtimes):
            if runtime not in env.compute.runtimes:
                problems.append(
                    Problem(
                        f"spec.compute.runtimes[{i}]",
                        f"'{runtime}' is not an LTS runtime {env.name} allows",
                        f"use lts_only or one of {', '.join(env.compute.runtimes)}",
                    )
                )
    if compute.max_dbus_per_hour > env.compute.max_dbus_per_hour:
        problems.append(
            Problem(
                "spec.compute.max_dbus_per_hour",
                f"{compute.max_dbus_per_hour} exceeds {env.name}'s cap of {env.compute.max_dbus_per_hour}",
                f"set it to {env.compute.max_dbus_per_hour} or less",
            )
        )
    platform = {
        principal_key(p)
        for p in (env.groups.admins, env.groups.engineers, env.groups.readers, env.metastore.owner)
    }
    for principal_field, principal in _principal_fields(tenant):
        if principal_key(principal) in platform:
            problems.append(
                Problem(
                    principal_field, f"'{principal}' is a platform group of {env.name}", "use tenant groups"
                )
            )
    for i, endpoint in enumerate(tenant.spec.serving.endpoints):
        if env.is_production and endpoint.min_concurrency is not None and endpoint.min_concurrency < 4:
            problems.append(
                Problem(
                    f"spec.serving.endpoints[{i}].min_concurrency",
                    f"production endpoints keep a floor of 4 or more; {env.name} is production",
                    "set 4 or more, or leave it unset",
                )
            )
    if catalog_name(tenant.name, env.name) == env.catalog.name:
        problems.append(
            Problem(
                "metadata.name", f"its catalog would be {env.name}'s pipeline catalog", "pick another name"
            )
        )
    return problems
