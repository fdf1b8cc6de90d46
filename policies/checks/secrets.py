"""Secret scopes and their ACLs: no broad group may manage or read every secret."""

from __future__ import annotations

from collections.abc import Iterator

from ..base import Policy, Resource, Severity

BROAD_PRINCIPALS = {"users", "account users"}


def is_broad(principal: object) -> bool:
    return isinstance(principal, str) and principal.strip().lower() in BROAD_PRINCIPALS


class SecretAclNoBroadManage(Policy):
    id = "LKW_DBX_030"
    name = "Secret ACL grants no MANAGE or WRITE to broad groups"
    severity = Severity.CRITICAL
    resource_types = ("databricks_secret_acl",)
    rationale = "MANAGE on a scope for every user lets anyone read, replace and re-share its credentials."
    remediation = "Grant MANAGE only to the platform admin group; give broad groups no access to the scope."
    soc2 = ("CC6.1", "CC6.3")
    iso27001 = ("A.5.15", "A.5.17", "A.8.2")
    hipaa = ("164.312(a)(1)", "164.312(d)")
    sat = ("DP-1",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if is_broad(resource.get("principal")) and resource.get("permission") in ("MANAGE", "WRITE"):
            yield f"{resource.get('permission')} granted to '{resource.get('principal')}'"


class SecretAclDedicatedPrincipal(Policy):
    id = "LKW_DBX_031"
    name = "Secret ACL names a dedicated group or service principal, not all users"
    severity = Severity.HIGH
    resource_types = ("databricks_secret_acl",)
    rationale = "Even READ for all users exposes every credential in the scope to every notebook."
    remediation = "Grant READ to the group or service principal that needs the secrets."
    soc2 = ("CC6.1", "CC6.3")
    iso27001 = ("A.5.15", "A.5.17")
    hipaa = ("164.312(a)(1)",)
    sat = ("DP-1",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if is_broad(resource.get("principal")):
            yield f"ACL names the broad group '{resource.get('principal')}'"
        if "@" in str(resource.get("principal", "")):
            yield "ACL names an individual user; grant a group or service principal"


class SecretScopeNoBroadManager(Policy):
    id = "LKW_DBX_032"
    name = "Secret scope does not make all users its managers"
    severity = Severity.CRITICAL
    resource_types = ("databricks_secret_scope",)
    rationale = "initial_manage_principal = users grants MANAGE on the scope to every workspace user."
    remediation = "Leave initial_manage_principal unset and grant access with databricks_secret_acl."
    soc2 = ("CC6.1", "CC6.3")
    iso27001 = ("A.5.15", "A.5.17")
    hipaa = ("164.312(a)(1)",)
    sat = ("DP-1",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if is_broad(resource.get("initial_manage_principal")):
            yield "initial_manage_principal grants MANAGE to all users"
