"""A tenant's ABAC policies: column masks and row filters over every table of its catalog.

The mask and filter functions are written by the tenant's admins once its catalog exists, never by
Terraform: the policies first read the governance schema's functions while planning, so a missing
function stops the plan instead of failing the apply halfway.
"""

from __future__ import annotations

from cdktn import ITerraformDependable, Postcondition, TerraformResourceLifecycle
from cdktn_provider_databricks.data_databricks_functions import DataDatabricksFunctions
from cdktn_provider_databricks.policy_info import (
    PolicyInfo,
    PolicyInfoColumnMask,
    PolicyInfoMatchColumns,
    PolicyInfoRowFilter,
    PolicyInfoRowFilterUsing,
)
from cdktn_provider_databricks.schema import Schema
from constructs import Construct

from lakeward.tenants.model import GOVERNANCE_SCHEMA, ROLES, AbacRule, Role, Tenant
from lakeward.tenants.namespace import Namespace

MATCHED_COLUMN = "matched"


class TenantAbacPolicies:
    """One catalog-wide policy per mask and filter of the spec; the functions live in the governance
    schema, which each policy waits for."""

    def __init__(
        self,
        scope: Construct,
        *,
        tenant: Tenant,
        namespace: Namespace,
        groups: dict[Role, str],
        governance_schema: Schema,
    ) -> None:
        abac = tenant.spec.abac
        if not abac.masks and not abac.filters:
            return
        functions = _functions(scope, namespace, [rule.name for rule in (*abac.masks, *abac.filters)])
        for kind, rules in (("mask", abac.masks), ("filter", abac.filters)):
            for rule in rules:
                _policy(scope, kind, rule, namespace, groups, [governance_schema, functions])


def _functions(scope: Construct, namespace: Namespace, names: list[str]) -> DataDatabricksFunctions:
    """The governance schema's functions, read while planning; the plan stops unless each exists."""
    schema = f"{namespace.catalog}.{GOVERNANCE_SCHEMA}"
    return DataDatabricksFunctions(
        scope,
        "governance-functions",
        catalog_name=namespace.catalog,
        schema_name=GOVERNANCE_SCHEMA,
        lifecycle=TerraformResourceLifecycle(
            postcondition=[
                Postcondition(
                    condition=f'${{contains([for f in self.functions : f.name], "{name}")}}',
                    error_message=f"{schema}.{name} does not exist: the tenant's admins create it "
                    "before the policy that uses it is applied",
                )
                for name in names
            ]
        ),
    )


def _policy(
    scope: Construct,
    kind: str,
    rule: AbacRule,
    namespace: Namespace,
    groups: dict[Role, str],
    after: list[ITerraformDependable],
) -> None:
    """A catalog-wide policy on every table; `when` selects the columns (MATCH COLUMNS), so a mask
    covers each column tagged that way and a filter passes the matched column to its function."""
    function = f"{namespace.catalog}.{GOVERNANCE_SCHEMA}.{rule.name}"
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
