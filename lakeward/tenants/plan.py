"""`lakeward tenant plan NAME`: synthesize only that tenant's stack, scan it, and summarize it for review."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.config import ENVIRONMENTS_DIR, load_environment
from lakeward.errors import LakewardError
from lakeward.stack_keys import Sources
from lakeward.synth import synthesize_tenants
from lakeward.tenants.loader import TENANTS_DIR, load_tenants
from lakeward.tenants.model import Tenant
from policies import contract
from policies.checkov_runner import WarmCheckov, warm_checkov
from policies.scan import run_scan

SECURABLE_KEYS = ("catalog", "schema")


@dataclass
class TenantPlan:
    tenant: Tenant
    environment: str
    stack: str
    resources: list[str]
    grants: dict[str, dict[str, list[str]]]
    findings: list[dict[str, Any]]
    seconds: float
    risks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        budget = self.tenant.spec.budget
        return {
            "tenant": self.tenant.name,
            "environment": self.environment,
            "stack": self.stack,
            "resources": self.resources,
            "grants": self.grants,
            "budget": {
                "monthly_usd": budget.monthly_usd,
                "alerts_at": budget.alerts_at,
                "notify": budget.notify,
            },
            "risks": self.risks,
            "findings": self.findings,
            "seconds": round(self.seconds, 3),
        }

    def markdown(self) -> str:
        return render_markdown(self)


def plan_tenant(
    name: str,
    tenants_dir: Path = TENANTS_DIR,
    *,
    env_name: str | None = None,
    environments_dir: Path = ENVIRONMENTS_DIR,
    out: Path | None = None,
    backend: str | None = None,
    use_cache: bool = True,
) -> TenantPlan:
    """Validate the folder, synthesize `name`'s stack alone (to `out`, or a temporary folder) and scan it;
    an unchanged stack and its scan results come from the build cache unless `use_cache` is False."""
    started = time.perf_counter()
    tenants = load_tenants(tenants_dir, environments_dir)
    if name not in tenants:
        raise LakewardError(
            f"no tenant '{name}'",
            source=str(tenants_dir),
            field="NAME",
            fix=f"use one of: {', '.join(sorted(tenants)) or '(none)'}, or run `lakeward tenant new {name}`",
        )
    tenant = tenants[name]
    listed = [ref.name for ref in tenant.spec.workspaces]
    env_name = env_name or listed[0]
    if env_name not in listed:
        raise LakewardError(
            f"tenant '{name}' does not list environment '{env_name}'",
            field="--env",
            fix=f"use one of: {', '.join(listed)}",
        )
    env = load_environment(env_name, environments_dir)
    sources = Sources(environments_dir, tenants_dir)
    with (
        tempfile.TemporaryDirectory(prefix="lakeward-tenant-plan-") as tmp,
        warm_checkov(lazy=True, use_worker=use_cache) as warm,
    ):
        target = out or Path(tmp) / "out"
        result = synthesize_tenants(
            env, [tenant], target, backend=backend, sources=sources, use_cache=use_cache, on_build=warm.start
        )
        stack = result.stacks[0]
        document = contract.read_document(stack.path)
        findings = policy_findings(target, warm, use_cache)
    plan = TenantPlan(
        tenant=tenant,
        environment=env.name,
        stack=stack.name,
        resources=addresses(document),
        grants=grants_matrix(document),
        findings=findings,
        seconds=time.perf_counter() - started,
    )
    plan.risks = risks(plan)
    return plan


def addresses(document: dict[str, Any]) -> list[str]:
    return sorted(f"{kind}.{name}" for kind, name, _ in contract.resources(document))


def grants_matrix(document: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """`{securable: {principal: privileges}}` read back from the synthesized `databricks_grants`."""
    matrix: dict[str, dict[str, list[str]]] = {}
    for body in contract.resources_of(document, "databricks_grants").values():
        securable = next(body[key] for key in SECURABLE_KEYS if key in body)
        matrix[securable] = {grant["principal"]: grant["privileges"] for grant in body.get("grant", [])}
    return dict(sorted(matrix.items()))


def policy_findings(out: Path, warm: WarmCheckov, use_cache: bool = True) -> list[dict[str, Any]]:
    """Failed and waived findings of `lakeward scan` on the plan."""
    report = run_scan(input_dir=out, warm=warm, use_cache=use_cache)
    return [finding for finding in report.as_dict()["findings"] if finding["status"] != "passed"]


def risks(plan: TenantPlan) -> list[str]:
    """What a reviewer should look at first."""
    tenant, found = plan.tenant, []
    meta, spec = tenant.metadata, tenant.spec
    if tenant.is_regulated:
        scopes = ", ".join(s.value for s in meta.compliance_scopes) or "none"
        level = meta.data_classification.value
        found.append(f"regulated tenant ({level}; scopes {scopes}): ABAC and isolation required")
    if spec.catalog.isolation_mode == "OPEN":
        found.append("the catalog is OPEN: every workspace attached to the metastore can reach it")
    readers = spec.groups.readers
    for securable, principals in plan.grants.items():
        writes = sorted(set(principals.get(readers, [])) & {"MODIFY", "CREATE_TABLE", "WRITE_VOLUME"})
        if writes:
            found.append(f"readers ({readers}) can write on {securable}: {', '.join(writes)}")
    if meta.data_classification.value in ("confidential", "restricted") and not spec.abac.masks:
        found.append(f"{meta.data_classification.value} data without a column mask")
    if tenant.archived:
        found.append(f"archived on {meta.lifecycle.archived_at}: only admins keep read access")
    failed = [f for f in plan.findings if f.get("status") == "failed"]
    if failed:
        found.append(f"{len(failed)} policy scan finding(s) failed")
    return found


def render_markdown(plan: TenantPlan) -> str:
    """The pull-request summary: resources, grants matrix, budget, risks and scan findings."""
    tenant, meta = plan.tenant, plan.tenant.metadata
    budget = tenant.spec.budget
    lines = [
        f"## Tenant `{tenant.name}` in `{plan.environment}`: {meta.display_name}",
        "",
        f"- stack `{plan.stack}`, {len(plan.resources)} resources",
        f"- change {meta.change.ticket} requested by {meta.change.requested_by}: {meta.change.reason}",
        f"- classification {meta.data_classification.value}; compliance "
        f"{', '.join(s.value for s in meta.compliance_scopes) or 'none'}; owners {', '.join(meta.owners)}; "
        f"cost center {meta.cost_center}",
        "",
        "### Resources",
        "",
        "| type | count |",
        "| --- | ---: |",
    ]
    counts: dict[str, int] = {}
    for address in plan.resources:
        kind = address.split(".", 1)[0]
        counts[kind] = counts.get(kind, 0) + 1
    lines += [f"| `{kind}` | {count} |" for kind, count in sorted(counts.items())]
    securables = list(plan.grants)
    principals = list(dict.fromkeys(p for grants in plan.grants.values() for p in grants))
    lines += ["", "### Grants matrix", "", "| principal | " + " | ".join(f"`{s}`" for s in securables) + " |"]
    lines.append("| --- |" + " --- |" * len(securables))
    for principal in principals:
        cells = [", ".join(plan.grants[s].get(principal, [])) or "-" for s in securables]
        lines.append(f"| {principal} | " + " | ".join(cells) + " |")
    alerts = ", ".join(f"{fraction:.0%}" for fraction in sorted(budget.alerts_at))
    lines += [
        "",
        "### Budget",
        "",
        f"${budget.monthly_usd:,.0f} a month; alerts at {alerts} to {', '.join(budget.notify)}",
        "",
        "### Risks",
        "",
        *([f"- {risk}" for risk in plan.risks] or ["- none found"]),
        "",
        "### Policy scan",
        "",
    ]
    if not plan.findings:
        lines.append("No failed or waived findings.")
    else:
        lines += ["| check | resource | severity | status |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {f['check_id']} | `{f['resource']}` | {f['severity']} | {f['status']} |"
            for f in plan.findings
        ]
    return "\n".join(lines) + "\n"
