"""Workspace hardening: workspace_conf toggles, IP access lists and the workspace settings resources."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from ..base import Policy, Resource, Severity, as_list, is_false, is_true

CONF = ("databricks_workspace_conf",)
MAX_TOKEN_DAYS = 90


class WorkspaceConfCheck(Policy):
    """A check on `databricks_workspace_conf.custom_config` (a map of strings)."""

    resource_types = CONF

    def conf(self, resource: Resource) -> dict[str, object]:
        value = resource.get("custom_config")
        return value if isinstance(value, dict) else {}


class WorkspaceTokenLifetime(WorkspaceConfCheck):
    id = "LKW_DBX_070"
    name = f"Workspace caps personal access token lifetime at {MAX_TOKEN_DAYS} days"
    severity = Severity.HIGH
    rationale = "Tokens without a lifetime stay valid long after the person or purpose is gone."
    remediation = (
        f'Set custom_config {{ enableTokensConfig = "true", maxTokenLifetimeDays <= "{MAX_TOKEN_DAYS}" }}.'
    )
    soc2 = ("CC6.1", "CC6.2")
    iso27001 = ("A.5.17", "A.8.5")
    hipaa = ("164.312(a)(2)(iii)", "164.312(d)")
    sat = ("IA-4", "IA-5")

    def problems(self, resource: Resource) -> Iterator[str]:
        conf = self.conf(resource)
        if not is_true(conf.get("enableTokensConfig")):
            yield "enableTokensConfig is not true"
        try:
            days = int(str(conf.get("maxTokenLifetimeDays")))
        except ValueError:
            days = 0
        if not 0 < days <= MAX_TOKEN_DAYS:
            yield f"maxTokenLifetimeDays is not between 1 and {MAX_TOKEN_DAYS}"


class WorkspaceIpAccessListsEnabled(WorkspaceConfCheck):
    id = "LKW_DBX_071"
    name = "Workspace enforces IP access lists"
    severity = Severity.HIGH
    rationale = "IP access lists stop stolen credentials being used from outside the corporate network."
    remediation = 'Set custom_config { enableIpAccessLists = "true" } and define an ALLOW list.'
    soc2 = ("CC6.1", "CC6.6")
    iso27001 = ("A.8.20", "A.8.5")
    hipaa = ("164.312(a)(1)", "164.312(e)(1)")
    sat = ("NS-5",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if not is_true(self.conf(resource).get("enableIpAccessLists")):
            yield "enableIpAccessLists is not true"


class WorkspaceVerboseAudit(WorkspaceConfCheck):
    id = "LKW_DBX_072"
    name = "Workspace writes verbose audit logs"
    severity = Severity.MEDIUM
    rationale = "Verbose audit logs record each notebook command, the evidence an investigation needs."
    remediation = 'Set custom_config { enableVerboseAuditLogs = "true" }.'
    soc2 = ("CC7.2",)
    iso27001 = ("A.8.15",)
    hipaa = ("164.312(b)",)
    sat = ("GOV-15",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if not is_true(self.conf(resource).get("enableVerboseAuditLogs")):
            yield "enableVerboseAuditLogs is not true"


class WorkspaceNoExfiltration(WorkspaceConfCheck):
    id = "LKW_DBX_073"
    name = "Workspace disables result downloads and notebook export"
    severity = Severity.MEDIUM
    rationale = "Downloads and exports move governed data out of the workspace without an audit of content."
    remediation = 'Set custom_config { enableResultsDownloading = "false", enableExportNotebook = "false" }.'
    soc2 = ("C1.1", "CC6.7")
    iso27001 = ("A.8.12",)
    hipaa = ("164.312(a)(1)",)
    sat = ("DP-5", "DP-6")

    def problems(self, resource: Resource) -> Iterator[str]:
        conf = self.conf(resource)
        for key in ("enableResultsDownloading", "enableExportNotebook"):
            if not is_false(conf.get(key)):
                yield f"{key} is not false"


class WorkspaceImdsV2(WorkspaceConfCheck):
    id = "LKW_DBX_074"
    name = "Workspace enforces IMDSv2 and disables legacy global init scripts"
    severity = Severity.MEDIUM
    rationale = "IMDSv1 lets SSRF in user code steal the instance profile's credentials."
    remediation = 'Set enableEnforceImdsV2 = "true" and enableDeprecatedGlobalInitScripts = "false".'
    soc2 = ("CC6.1", "CC6.8")
    iso27001 = ("A.8.9",)
    hipaa = ("164.312(a)(1)",)
    sat = ("GOV-14", "GOV-24")

    def problems(self, resource: Resource) -> Iterator[str]:
        conf = self.conf(resource)
        if not is_true(conf.get("enableEnforceImdsV2")):
            yield "enableEnforceImdsV2 is not true"
        if is_true(conf.get("enableDeprecatedGlobalInitScripts")):
            yield "enableDeprecatedGlobalInitScripts is true"


class IpAccessListNarrow(Policy):
    id = "LKW_DBX_075"
    name = "IP allow list is enabled and names no open range"
    severity = Severity.HIGH
    resource_types = ("databricks_ip_access_list",)
    rationale = "An allow list holding 0.0.0.0/0 or a /1-/7 range admits nearly the whole internet."
    remediation = "Keep enabled = true and list only corporate egress CIDRs of /8 or narrower."
    soc2 = ("CC6.1", "CC6.6")
    iso27001 = ("A.8.20",)
    hipaa = ("164.312(e)(1)",)
    sat = ("NS-5",)

    def applies(self, resource: Resource) -> bool:
        return resource.get("list_type") == "ALLOW"

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("enabled") is False:
            yield "the allow list is disabled"
        addresses = as_list(resource.get("ip_addresses"))
        if not addresses:
            yield "ip_addresses is empty"
        for address in addresses:
            try:
                network = ipaddress.ip_network(str(address), strict=False)
            except ValueError:
                yield f"{address} is not an IP address or CIDR"
                continue
            if network.prefixlen < 8:
                yield f"{address} is broader than /8"


class RestrictWorkspaceAdmins(Policy):
    id = "LKW_DBX_076"
    name = "Workspace admins cannot create tokens or run jobs as others"
    severity = Severity.MEDIUM
    resource_types = ("databricks_restrict_workspace_admins_setting",)
    rationale = "Unrestricted workspace admins can mint tokens and run jobs as any principal."
    remediation = "Set restrict_workspace_admins { status = RESTRICT_TOKENS_AND_JOB_RUN_AS }."
    soc2 = ("CC6.3",)
    iso27001 = ("A.8.2",)
    hipaa = ("164.312(a)(1)",)
    sat = ("GOV-35",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("restrict_workspace_admins.status") != "RESTRICT_TOKENS_AND_JOB_RUN_AS":
            yield "restrict_workspace_admins.status is not RESTRICT_TOKENS_AND_JOB_RUN_AS"


class EnhancedSecurityMonitoring(Policy):
    id = "LKW_DBX_077"
    name = "Enhanced security monitoring is on"
    severity = Severity.MEDIUM
    resource_types = ("databricks_enhanced_security_monitoring_workspace_setting",)
    rationale = "Enhanced security monitoring adds a hardened image, antivirus and file integrity monitoring."
    remediation = "Set enhanced_security_monitoring_workspace { is_enabled = true }."
    soc2 = ("CC7.1", "CC7.2")
    iso27001 = ("A.8.7", "A.8.16")
    hipaa = ("164.312(b)",)
    sat = ("INFO-40",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("enhanced_security_monitoring_workspace.is_enabled") is not True:
            yield "enhanced_security_monitoring_workspace.is_enabled is not true"


class ComplianceSecurityProfile(Policy):
    id = "LKW_DBX_078"
    name = "Compliance security profile, where declared, is on and names its standards"
    severity = Severity.HIGH
    resource_types = ("databricks_compliance_security_profile_workspace_setting",)
    rationale = "Regulated data (HIPAA) may only be processed on a workspace with the compliance profile."
    remediation = (
        "Set compliance_security_profile_workspace { is_enabled = true, compliance_standards = [...] }."
    )
    soc2 = ("CC6.1", "CC6.7")
    iso27001 = ("A.5.31", "A.8.24")
    hipaa = ("164.312(a)(1)", "164.312(e)(1)")
    sat = ("INFO-39",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("compliance_security_profile_workspace.is_enabled") is not True:
            yield "compliance_security_profile_workspace.is_enabled is not true"
        if not as_list(resource.get("compliance_security_profile_workspace.compliance_standards")):
            yield "compliance_standards is empty"


class DisableLegacyDbfs(Policy):
    id = "LKW_DBX_079"
    name = "Legacy DBFS root and mounts are disabled"
    severity = Severity.MEDIUM
    resource_types = ("databricks_disable_legacy_dbfs_setting",)
    rationale = "The DBFS root and mounts bypass Unity Catalog access control."
    remediation = "Set disable_legacy_dbfs { value = true }."
    soc2 = ("CC6.1",)
    iso27001 = ("A.8.3",)
    hipaa = ("164.312(a)(1)",)
    sat = ("GOV-10", "GOV-11")

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("disable_legacy_dbfs.value") is not True:
            yield "disable_legacy_dbfs.value is not true"


class DisableLegacyAccess(Policy):
    id = "LKW_DBX_080"
    name = "Legacy Hive metastore and no-isolation access are disabled"
    severity = Severity.MEDIUM
    resource_types = ("databricks_disable_legacy_access_setting",)
    rationale = "Legacy access paths (Hive metastore, no-isolation clusters) sidestep Unity Catalog."
    remediation = "Set disable_legacy_access { value = true }."
    soc2 = ("CC6.1",)
    iso27001 = ("A.8.3",)
    hipaa = ("164.312(a)(1)",)
    sat = ("GOV-12",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("disable_legacy_access.value") is not True:
            yield "disable_legacy_access.value is not true"


class AutomaticClusterUpdate(Policy):
    id = "LKW_DBX_081"
    name = "Clusters are updated automatically in a maintenance window"
    severity = Severity.LOW
    resource_types = ("databricks_automatic_cluster_update_workspace_setting",)
    rationale = "Automatic updates restart long-running clusters onto patched host images."
    remediation = "Set automatic_cluster_update_workspace { enabled = true } with a maintenance_window."
    soc2 = ("CC7.1", "CC8.1")
    iso27001 = ("A.8.8",)
    hipaa = ("164.312(c)(1)",)
    sat = ("GOV-36",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("automatic_cluster_update_workspace.enabled") is not True:
            yield "automatic_cluster_update_workspace.enabled is not true"
