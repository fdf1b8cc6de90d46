"""A tenant's account groups, looked up and assigned to the workspace. They are synced from the
identity provider and never created here: dev and prod share one Databricks account and would both
create them."""

from __future__ import annotations

from cdktn import TerraformProvider
from cdktn_provider_databricks.mws_permission_assignment import MwsPermissionAssignment
from constructs import Construct

from infra.account.groups import assign_group
from lakeward.tenants.model import Role


class TenantGroupAssignment:
    """Each active role's group, looked up in the account and given USER on the workspace; the tenant's
    workspace ACLs wait for `assignments`."""

    def __init__(
        self,
        scope: Construct,
        *,
        groups: dict[Role, str],
        roles: list[Role],
        workspace_id: float,
        account_provider: TerraformProvider,
    ) -> None:
        self.assignments: list[MwsPermissionAssignment] = [
            assign_group(
                scope,
                f"group-{role}",
                display_name=groups[role],
                workspace_id=workspace_id,
                permission="USER",
                account_provider=account_provider,
            )[1]
            for role in roles
        ]
