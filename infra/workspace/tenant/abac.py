"""A tenant's ABAC policies: column masks and row filters over every table of its catalog.

The mask and filter functions and the governed tags the conditions name are the platform's
governance library (`lakeward.governance.library`), which `lakeward bootstrap --env ENV` creates in
the environment's `<catalog>.governance` schema after the workspace stack: Terraform cannot create UC
functions. Tenant admins cannot redefine a function their own masks rely on. (A policy's function may
live outside the table's catalog: INFORMATION_SCHEMA.ROW_FILTERS records its FILTER_CATALOG apart,
https://docs.databricks.com/sql/language-manual/information-schema/row_filters.html.) The policies first read
the functions and the tag policies while planning, so a tenant stack planned before the bootstrap
stops with a message naming the missing step instead of failing the apply halfway.
"""

from __future__ import annotations

from cdktn import ITerraformDependable, Postcondition, TerraformResourceLifecycle
from cdktn_provider_databricks.catalog import Catalog
from cdktn_provider_databricks.data_databricks_functions import DataDatabricksFunctions
from cdktn_provider_databricks.data_databricks_tag_policies import DataDatabricksTagPolicies
from cdktn_provider_databricks.policy_info import (
    PolicyInfo,
    PolicyInfoColumnMask,
    PolicyInfoMatchColumns,
    PolicyInfoRowFilter,
    PolicyInfoRowFilterUsing,
)
from constructs import Construct

from infra.config import Environment
from lakeward.governance.library import SCHEMA, functions_schema, tags_in
from lakeward.tenants.model import ROLES, AbacRule, Role, Tenant
from lakeward.tenants.namespace import Namespace

MATCHED_COLUMN = "matched"


class TenantAbacPolicies:
    """One catalog-wide policy per mask and filter of the spec, each waiting for the tenant's catalog
    and for the plan-time reads of the environment's governance functions and governed tags."""

    def __init__(
        self,
        scope: Construct,
        *,
        env: Environment,
        tenant: Tenant,
        namespace: Namespace,
        groups: dict[Role, str],
        catalog: Catalog,
    ) -> None:
        abac = tenant.spec.abac
        rules = (*abac.masks, *abac.filters)
        if not rules:
            return
        missing = f"run `lakeward bootstrap --env {env.name}` (after the workspace stack, before this one)"
        functions = _functions(scope, env.catalog.name, [rule.name for rule in rules], missing)
        tags = _tags(scope, sorted({tag for rule in rules for tag in tags_in(rule.when)}), missing)
        for kind, kind_rules in (("mask", abac.masks), ("filter", abac.filters)):
            for rule in kind_rules:
                function = f"{functions_schema(env.catalog.name)}.{rule.name}"
                _policy(scope, kind, rule, function, namespace, groups, [catalog, functions, tags])


def _functions(scope: Construct, catalog: str, names: list[str], missing: str) -> DataDatabricksFunctions:
    """The governance schema's functions, read while planning; the plan stops unless each exists."""
    return DataDatabricksFunctions(
        scope,
        "governance-functions",
        catalog_name=catalog,
        schema_name=SCHEMA,
        lifecycle=TerraformResourceLifecycle(
            postcondition=[
                Postcondition(
                    condition=f'${{contains([for f in self.functions : f.name], "{name}")}}',
                    error_message=f"{functions_schema(catalog)}.{name} does not exist: {missing}",
                )
                for name in names
            ]
        ),
    )


def _tags(scope: Construct, keys: list[str], missing: str) -> DataDatabricksTagPolicies:
    """The account's governed tags, read while planning; the plan stops unless each condition's exists."""
    return DataDatabricksTagPolicies(
        scope,
        "governed-tags",
        lifecycle=TerraformResourceLifecycle(
            postcondition=[
                Postcondition(
                    condition=f'${{contains([for p in self.tag_policies : p.tag_key], "{key}")}}',
                    error_message=f"the governed tag {key} does not exist: {missing}",
                )
                for key in keys
            ]
        ),
    )


def _policy(
    scope: Construct,
    kind: str,
    rule: AbacRule,
    function: str,
    namespace: Namespace,
    groups: dict[Role, str],
    after: list[ITerraformDependable],
) -> None:
    """A catalog-wide policy on every table; `when` selects the columns (MATCH COLUMNS), so a mask
    covers each column tagged that way and a filter passes the matched column to its function."""
    covered = [groups[role] for role in ROLES if role not in rule.except_]
    options: dict = (
        {"column_mask": PolicyInfoColumnMask(function_name=function, on_column=MATCHED_COLUMN)}
        if kind == "mask"
        else {
            "row_filter": PolicyInfoRowFilter(
                function_name=function, using=[PolicyInfoRowFilterUsing(alias=MATCHED_COLUMN)]
            )
        }
    )
    PolicyInfo(
        scope,
        f"{kind}-{rule.name}",
        name=rule.name,
        on_securable_type="CATALOG",
        on_securable_fullname=namespace.catalog,
        for_securable_type="TABLE",
        policy_type="POLICY_TYPE_COLUMN_MASK" if kind == "mask" else "POLICY_TYPE_ROW_FILTER",
        to_principals=covered,
        except_principals=[groups[role] for role in rule.except_] or None,
        match_columns=[PolicyInfoMatchColumns(condition=rule.when, alias=MATCHED_COLUMN)],
        comment=f"{kind} of tenant {namespace.tenant}",
        depends_on=after,
        **options,
    )
