"""Account groups assigned to a workspace, and workspace ACLs ordered after those assignments.

In an identity-federated workspace an account group must be assigned to the workspace before a
workspace ACL (`databricks_permissions`, `databricks_secret_acl`) can name it; the groups are synced
from the identity provider and only looked up here, never created.
"""

from __future__ import annotations

from cdktn import TerraformProvider, TerraformResource, Token
from cdktn_provider_databricks.data_databricks_group import DataDatabricksGroup
from cdktn_provider_databricks.mws_permission_assignment import MwsPermissionAssignment
from constructs import Construct

# Workspace ACLs whose principals must be assigned to the workspace first.
WORKSPACE_ACLS = frozenset({"databricks_permissions", "databricks_secret_acl"})


def assign_group(
    scope: Construct,
    id_: str,
    *,
    display_name: str,
    workspace_id: float,
    permission: str,
    account_provider: TerraformProvider,
) -> tuple[DataDatabricksGroup, MwsPermissionAssignment]:
    """Look up one account group and assign it to the workspace with `permission` (USER or ADMIN)."""
    group = DataDatabricksGroup(scope, f"{id_}", display_name=display_name, provider=account_provider)
    assignment = MwsPermissionAssignment(
        scope,
        f"{id_}-assignment",
        workspace_id=workspace_id,
        principal_id=Token.as_number(group.id),
        permissions=[permission],
        provider=account_provider,
    )
    return group, assignment


def order_after_assignments(scope: Construct, assignments: list[MwsPermissionAssignment]) -> None:
    """Make every workspace ACL under `scope` wait for the group assignments."""
    after = [f"{a.terraform_resource_type}.{a.friendly_unique_id}" for a in assignments]
    for node in scope.node.find_all():
        if isinstance(node, TerraformResource) and node.terraform_resource_type in WORKSPACE_ACLS:
            node.depends_on = [*(node.depends_on or []), *after]


class WorkspaceGroups(Construct):
    """The platform's admins (workspace ADMIN), engineers and readers (USER), assigned to the workspace;
    others read `names` (role to group name, read from the account) and `assignments`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        groups: dict[str, str],
        workspace_id: float,
        account_provider: TerraformProvider,
    ) -> None:
        super().__init__(scope, id_)
        self.names: dict[str, str] = {}
        self.assignments: list[MwsPermissionAssignment] = []
        for role, display_name in groups.items():
            group, assignment = assign_group(
                self,
                role,
                display_name=display_name,
                workspace_id=workspace_id,
                permission="ADMIN" if role == "admins" else "USER",
                account_provider=account_provider,
            )
            self.names[role] = group.display_name
            self.assignments.append(assignment)
