"""Resources a stack must hold, judged from the whole stack document.

A check that looks at one resource at a time cannot notice that audit log delivery, the workspace
configuration or the admin restriction is missing. checkov runs checks per resource, so each of these
rides on a resource type that is always present, once, in the stack it concerns: the account stack's
`databricks_mws_workspaces` and the workspace stack's `databricks_storage_credential` (the metastore's
storage credential, which only the workspace stack creates). A required resource counts only when it is
enabled and aimed at the same workspace: through the same provider, or naming this workspace.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from ..base import Policy, Resource, Severity, as_list, is_false
from ..contract import resources_of

ACCOUNT_ANCHOR = ("databricks_mws_workspaces",)
WORKSPACE_ANCHOR = ("databricks_storage_credential",)


class RequiredInStack(Policy):
    """The stack of the anchor resource holds an enabled `required_type` aimed at the same workspace."""

    required_type: ClassVar[str]

    def problems(self, resource: Resource) -> Iterator[str]:
        candidates = resources_of(resource.document, self.required_type)
        if not candidates:
            yield f"the stack has no {self.required_type}"
            return
        reasons = {name: self.unfit(resource, body) for name, body in sorted(candidates.items())}
        if all(reasons.values()):
            for name, reason in reasons.items():
                yield f"{self.required_type}.{name} {reason}"

    def unfit(self, anchor: Resource, body: dict[str, Any]) -> str | None:
        """Why one candidate does not count; None when it does."""
        raise NotImplementedError


class WorkspaceSetting(RequiredInStack):
    """A workspace-level resource, which reaches the workspace through the stack's provider."""

    resource_types = WORKSPACE_ANCHOR

    def unfit(self, anchor: Resource, body: dict[str, Any]) -> str | None:
        provider, expected = body.get("provider"), anchor.get("provider")
        if provider != expected:
            return f"is configured through provider {provider}, not the workspace's ({expected or 'default'})"
        return self.disabled(body)

    def disabled(self, body: dict[str, Any]) -> str | None:
        raise NotImplementedError


class AuditLogDeliveryPresent(RequiredInStack):
    id = "LKW_DBX_008"
    name = "The account stack delivers the workspace's audit logs"
    severity = Severity.HIGH
    resource_types = ACCOUNT_ANCHOR
    required_type = "databricks_mws_log_delivery"
    rationale = "Without audit log delivery nobody can reconstruct who did what in the workspace."
    remediation = (
        "Add a databricks_mws_log_delivery with log_type AUDIT_LOGS, status ENABLED and no "
        "workspace_ids_filter (or one that lists this workspace's workspace_id)."
    )
    soc2 = ("CC7.2",)
    iso27001 = ("A.8.15", "A.8.16")
    hipaa = ("164.312(b)",)
    sat = ("GOV-3",)

    def unfit(self, anchor: Resource, body: dict[str, Any]) -> str | None:
        if body.get("log_type") != "AUDIT_LOGS":
            return f"delivers {body.get('log_type')}, not AUDIT_LOGS"
        if body.get("status", "ENABLED") != "ENABLED":
            return f"has status {body.get('status')}"
        workspaces = [str(w) for w in as_list(body.get("workspace_ids_filter"))]
        this = {f"${{{anchor.address}.workspace_id}}", str(anchor.get("workspace_id", ""))}
        if workspaces and not this & set(workspaces):
            return f"covers only the workspaces {workspaces}"
        return None


class WorkspaceConfPresent(WorkspaceSetting):
    id = "LKW_DBX_082"
    name = "The workspace stack holds its workspace configuration"
    severity = Severity.HIGH
    required_type = "databricks_workspace_conf"
    rationale = (
        "Without workspace_conf the token lifetime, IP list enforcement and audit toggles stay at defaults."
    )
    remediation = "Add the databricks_workspace_conf with its custom_config to the workspace stack."
    soc2 = ("CC6.1", "CC8.1")
    iso27001 = ("A.8.9",)
    hipaa = ("164.312(a)(1)",)
    sat = ("GOV-15",)

    def disabled(self, body: dict[str, Any]) -> str | None:
        return None if body.get("custom_config") else "has an empty custom_config"


class RestrictAdminsPresent(WorkspaceSetting):
    id = "LKW_DBX_083"
    name = "The workspace stack restricts workspace admins"
    severity = Severity.HIGH
    required_type = "databricks_restrict_workspace_admins_setting"
    rationale = "Unrestricted admins can mint tokens for and run jobs as any service principal."
    remediation = (
        "Add a databricks_restrict_workspace_admins_setting with status RESTRICT_TOKENS_AND_JOB_RUN_AS."
    )
    soc2 = ("CC6.1", "CC6.3")
    iso27001 = ("A.8.2",)
    hipaa = ("164.312(a)(1)",)
    sat = ("IA-7",)

    def disabled(self, body: dict[str, Any]) -> str | None:
        status = Resource(self.required_type, "", body).get("restrict_workspace_admins.status")
        return None if status == "RESTRICT_TOKENS_AND_JOB_RUN_AS" else f"has status {status}"


class IpAllowListPresent(WorkspaceSetting):
    id = "LKW_DBX_084"
    name = "The workspace stack holds an enabled IP allow list"
    severity = Severity.HIGH
    required_type = "databricks_ip_access_list"
    rationale = "Enforced IP access lists with no ALLOW list leave the workspace open to any address."
    remediation = "Add an enabled databricks_ip_access_list of list_type ALLOW with the corporate ranges."
    soc2 = ("CC6.1", "CC6.6")
    iso27001 = ("A.8.20",)
    hipaa = ("164.312(e)(1)",)
    sat = ("NS-5",)

    def disabled(self, body: dict[str, Any]) -> str | None:
        if body.get("list_type") != "ALLOW":
            return f"is a {body.get('list_type')} list"
        if is_false(body.get("enabled")) or not as_list(body.get("ip_addresses")):
            return "is disabled or empty"
        return None
