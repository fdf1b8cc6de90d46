"""A tenant's account groups, looked up and assigned to the workspace. They are synced from the
identity provider and never created here: dev and prod share one Databricks account and would both
create them."""

from __future__ import annotations

from cdktn import TerraformProvider, Token
from cdktn_provider_databricks.data_databricks_group import DataDatabricksGroup
from cdktn_provider_databricks.mws_permission_assignment import MwsPermissionAssignment
from constructs import Construct

from lakeward.tenants.model import Role


class TenantGroupAssignment:
    """Each active role's group, looked up in the account and given USER on the workspace."""

    def __init__(
        self,
        scope: Construct,
        *,
        groups: dict[Role, str],
        roles: list[Role],
        workspace_id: float,
        account_provider: TerraformProvider,
    ) -> None:
        for role in roles:
            group = DataDatabricksGroup(
                scope, f"group-{role}", display_name=groups[role], provider=account_provider
            )
            MwsPermissionAssignment(
                scope,
                f"group-{role}-assignment",
                workspace_id=workspace_id,
                principal_id=Token.as_number(group.id),
                permissions=["USER"],
                provider=account_provider,
            )
