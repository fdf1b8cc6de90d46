"""`lakeward bootstrap`: after the workspace stack, before the tenant stacks.

It reads what exists (information_schema, the tag policies and its own record), plans one step per
object, and runs only the steps that change something: a missing function is created and a
function whose definition changed is replaced (CREATE OR REPLACE FUNCTION); a missing table is
created (CREATE TABLE IF NOT EXISTS, change data feed on, then its CHECK constraints) and an existing
one gains the columns its spec added; a missing governed tag is created through the Tag Policies API
(https://docs.databricks.com/api/workspace/tagpolicies/createtagpolicy). Governed tags are account
objects shared by every environment, so they are created when missing and never declared by a
per-environment stack. Each change is recorded in `<catalog>.governance.bootstrap_record` with its
definition's digest; a second run finds everything in place and changes nothing.

Each active tenant of the environment gets the same pipeline tables in its own catalog's `curated`
schema, which its tenant stack creates: a tenant whose schema does not exist yet is reported as
waiting for that stack, and the run after the tenant stacks (before the retrieval stack, whose
indexes read those tables) creates its tables.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.service.tags import TagPolicy

from infra.config import Environment, load_environment
from lakeward.errors import LakewardError
from lakeward.governance import sql
from lakeward.governance.library import FUNCTIONS, SCHEMA, TAGS, GovernedTag, warehouse_name
from lakeward.governance.warehouse import Warehouse, call, workspace_client
from lakeward.tenants.loader import TENANTS_DIR, load_tenants, tenants_in
from lakeward.tenants.model import Tenant
from lakeward.tenants.namespace import Namespace
from stacks.names import WORKSPACE, stack_id, tenant_stack_id
from workloads.catalog_tables import missing_columns
from workloads.tables import TableSpec, check_name

Action = Literal["create", "replace", "alter", "unchanged"]


@dataclass(frozen=True)
class Step:
    """One object, what the run does to it, and the statements that do it."""

    kind: Literal["function", "table", "tag"]
    name: str
    action: Action
    digest: str
    statements: tuple[sql.Statement, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "action": self.action,
            "digest": self.digest,
            "statements": [s.text for s in self.statements] if self.action != "unchanged" else [],
        }


@dataclass(frozen=True)
class WaitingTenant:
    """An active tenant whose catalog has no pipeline schema yet: its stack has not been applied."""

    tenant: str
    catalog: str
    stack: str

    def as_dict(self) -> dict[str, str]:
        return {"tenant": self.tenant, "catalog": self.catalog, "waits_for": self.stack}


@dataclass(frozen=True)
class BootstrapResult:
    environment: str
    warehouse_id: str
    dry_run: bool
    steps: list[Step]
    waiting: list[WaitingTenant]

    @property
    def changes(self) -> list[Step]:
        return [step for step in self.steps if step.action != "unchanged"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "warehouse_id": self.warehouse_id,
            "dry_run": self.dry_run,
            "changed": len(self.changes),
            "unchanged": len(self.steps) - len(self.changes),
            "steps": [step.as_dict() for step in self.steps],
            "waiting": [tenant.as_dict() for tenant in self.waiting],
        }


def bootstrap(
    env_name: str,
    environ: Mapping[str, str],
    *,
    dry_run: bool = False,
    tenants: list[Tenant] | None = None,
    retry_seconds: int = 60,
    sleep: Callable[[float], None] = time.sleep,
) -> BootstrapResult:
    """Plan the steps and, unless `dry_run`, run those that change something and record them.
    `tenants` defaults to those of the repository's tenants/ folder that list the environment."""
    env = load_environment(env_name)
    catalog = check_name(env.catalog.name, "catalog.name")
    if tenants is None:
        tenants = tenants_in(env.name, load_tenants()) if TENANTS_DIR.is_dir() else []
    client = workspace_client(environ, retry_seconds)
    warehouse = Warehouse(client, _warehouse_id(client, env), sleep=sleep)
    platform_steps = _sql_steps(catalog, warehouse)
    tenant_steps, waiting = _tenant_steps(env, [t for t in tenants if not t.archived], warehouse)
    steps = [*platform_steps, *tenant_steps, *(_tag_step(client, tag) for tag in TAGS)]
    result = BootstrapResult(env.name, warehouse.warehouse_id, dry_run, steps, waiting)
    if not dry_run and result.changes:
        _apply(catalog, client, warehouse, result.changes)
    return result


def _warehouse_id(client: WorkspaceClient, env: Environment) -> str:
    """The workspace stack's serverless SQL warehouse, found by its name."""
    name = warehouse_name(env)
    host = str(client.config.host)
    found = [
        w for w in call("list SQL warehouses", host, lambda: list(client.warehouses.list())) if w.name == name
    ]
    if not found or not found[0].id:
        raise LakewardError(
            f"no SQL warehouse named {name} in the workspace at {host}",
            field="the workspace stack",
            fix=f"apply the workspace stack ({stack_id(env.name, WORKSPACE)}) first: it declares it",
        )
    return found[0].id


def _sql_steps(catalog: str, warehouse: Warehouse) -> list[Step]:
    tables = {(row[0], row[1]) for row in warehouse.run(sql.existing_tables(catalog))}
    functions = {row[0] for row in warehouse.run(sql.existing_functions(catalog))}
    columns: dict[str, list[str]] = defaultdict(list)
    for table, column in warehouse.run(sql.existing_columns(catalog)):
        columns[str(table)].append(str(column))
    recorded = (
        {(row[0], row[1]): row[2] for row in warehouse.run(sql.recorded_digests(catalog))}
        if (SCHEMA, sql.RECORD.name) in tables
        else {}
    )
    record = sql.create_record_table(catalog)
    steps = [
        Step(
            "table",
            str(sql.record_table(catalog)),
            "unchanged" if (SCHEMA, sql.RECORD.name) in tables else "create",
            record.digest,
            (record,),
        )
    ]
    for function in FUNCTIONS:
        statement = sql.create_function(catalog, function)
        name = f"{catalog}.{SCHEMA}.{function.name}"
        action: Action = (
            "create"
            if function.name not in functions
            else "unchanged"
            if recorded.get(("function", name)) == statement.digest
            else "replace"
        )
        steps.append(Step("function", name, action, statement.digest, (statement,)))
    return [*steps, *_pipeline_steps(catalog, tables, columns)]


def _tenant_steps(
    env: Environment, tenants: list[Tenant], warehouse: Warehouse
) -> tuple[list[Step], list[WaitingTenant]]:
    """The pipeline tables of each tenant whose catalog holds the pipeline schema; the others wait."""
    catalogs = {
        tenant.name: check_name(Namespace.of(tenant, env).catalog, "metadata.name") for tenant in tenants
    }
    if not catalogs:
        return [], []
    ready = {row[0] for row in warehouse.run(sql.existing_pipeline_schemas(list(catalogs.values())))}
    steps: list[Step] = []
    waiting: list[WaitingTenant] = []
    for tenant, catalog in catalogs.items():
        if catalog not in ready:
            waiting.append(WaitingTenant(tenant, catalog, tenant_stack_id(env.name, tenant)))
            continue
        tables = {(row[0], row[1]) for row in warehouse.run(sql.existing_tables(catalog))}
        columns: dict[str, list[str]] = defaultdict(list)
        for table, column in warehouse.run(sql.existing_columns(catalog)):
            columns[str(table)].append(str(column))
        steps.extend(_pipeline_steps(catalog, tables, columns))
    return steps, waiting


def _pipeline_steps(catalog: str, tables: set[tuple[str, str]], columns: dict[str, list[str]]) -> list[Step]:
    return [
        _table_step(catalog, spec, (sql.PIPELINE_SCHEMA, spec.name) in tables, columns.get(spec.name, []))
        for spec in sql.PIPELINE_TABLES
    ]


def _table_step(catalog: str, spec: TableSpec, exists: bool, columns: list[str]) -> Step:
    create = sql.create_pipeline_table(catalog, spec)
    name = f"{catalog}.{sql.PIPELINE_SCHEMA}.{spec.name}"
    if not exists:
        return Step(
            "table", name, "create", create.digest, (create, *sql.add_pipeline_constraints(catalog, spec))
        )
    missing = missing_columns(spec, columns)
    if missing:
        return Step(
            "table", name, "alter", create.digest, (sql.add_pipeline_columns(catalog, spec, missing),)
        )
    return Step("table", name, "unchanged", create.digest)


def _tag_step(client: WorkspaceClient, tag: GovernedTag) -> Step:
    host = str(client.config.host)

    def exists() -> bool:
        try:
            client.tag_policies.get_tag_policy(tag.key)
        except NotFound:
            return False
        return True

    action: Action = "unchanged" if call("read a tag policy", host, exists) else "create"
    return Step("tag", tag.key, action, sql.digest(f"{tag.key}\n{tag.description}"))


def _apply(catalog: str, client: WorkspaceClient, warehouse: Warehouse, changes: list[Step]) -> None:
    """Run the changes (the record table first, tags through their API) and record them."""
    for step in changes:
        if step.kind == "tag":
            tag = next(tag for tag in TAGS if tag.key == step.name)
            policy = TagPolicy(tag_key=tag.key, description=tag.description)
            call("create a tag policy", warehouse.host, client.tag_policies.create_tag_policy, policy)
        for statement in step.statements:
            warehouse.run(statement)
    warehouse.run(sql.record(catalog, [(step.kind, step.name, step.action, step.digest) for step in changes]))
