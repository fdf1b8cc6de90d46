"""Workspace hardening: IP access list, workspace configuration and security settings."""

from __future__ import annotations

from cdktn_provider_databricks.compliance_security_profile_workspace_setting import (
    ComplianceSecurityProfileWorkspaceSetting,
    ComplianceSecurityProfileWorkspaceSettingComplianceSecurityProfileWorkspace,
)
from cdktn_provider_databricks.disable_legacy_access_setting import (
    DisableLegacyAccessSetting,
    DisableLegacyAccessSettingDisableLegacyAccess,
)
from cdktn_provider_databricks.disable_legacy_dbfs_setting import (
    DisableLegacyDbfsSetting,
    DisableLegacyDbfsSettingDisableLegacyDbfs,
)
from cdktn_provider_databricks.enhanced_security_monitoring_workspace_setting import (
    EnhancedSecurityMonitoringWorkspaceSetting,
    EnhancedSecurityMonitoringWorkspaceSettingEnhancedSecurityMonitoringWorkspace,
)
from cdktn_provider_databricks.ip_access_list import IpAccessList
from cdktn_provider_databricks.restrict_workspace_admins_setting import (
    RestrictWorkspaceAdminsSetting,
    RestrictWorkspaceAdminsSettingRestrictWorkspaceAdmins,
)
from cdktn_provider_databricks.workspace_conf import WorkspaceConf
from constructs import Construct

from infra.config import Environment


def workspace_conf(env: Environment) -> dict[str, str]:
    """The hardened workspace configuration keys (values are strings in the API)."""
    return {
        "enableIpAccessLists": "true",
        "enableTokensConfig": "true",
        "maxTokenLifetimeDays": str(env.workspace.token_max_lifetime_days),
        "enableExportNotebook": "false",
        "enableNotebookTableClipboard": "false",
        "enableResultsDownloading": "false",
        "enableUploadDataUis": "false",
        "enableDbfsFileBrowser": "false",
        "enableWebTerminal": "false",
        "enableDeprecatedGlobalInitScripts": "false",
        "enableEnforceImdsV2": "true",
        "enableVerboseAuditLogs": "true",
        "storeInteractiveNotebookResultsInCustomerAccount": "true",
        "enforceUserIsolation": "true",
    }


class WorkspaceHardening(Construct):
    """Settings that close the workspace's side doors."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment) -> None:
        super().__init__(scope, id_)
        self.conf = WorkspaceConf(self, "conf", custom_config=workspace_conf(env))
        IpAccessList(
            self,
            "ip-allow-list",
            label=f"{env.prefix}-corporate",
            list_type="ALLOW",
            ip_addresses=[str(network) for network in env.workspace.allowed_ip_ranges],
            enabled=True,
            depends_on=[self.conf],
        )
        RestrictWorkspaceAdminsSetting(
            self,
            "restrict-admins",
            restrict_workspace_admins=RestrictWorkspaceAdminsSettingRestrictWorkspaceAdmins(
                status="RESTRICT_TOKENS_AND_JOB_RUN_AS"
            ),
        )
        DisableLegacyDbfsSetting(
            self,
            "disable-legacy-dbfs",
            disable_legacy_dbfs=DisableLegacyDbfsSettingDisableLegacyDbfs(value=True),
        )
        DisableLegacyAccessSetting(
            self,
            "disable-legacy-access",
            disable_legacy_access=DisableLegacyAccessSettingDisableLegacyAccess(value=True),
        )
        EnhancedSecurityMonitoringWorkspaceSetting(
            self,
            "enhanced-monitoring",
            enhanced_security_monitoring_workspace=(
                EnhancedSecurityMonitoringWorkspaceSettingEnhancedSecurityMonitoringWorkspace(is_enabled=True)
            ),
        )
        if env.workspace.compliance_security_profile:
            ComplianceSecurityProfileWorkspaceSetting(
                self,
                "compliance-profile",
                compliance_security_profile_workspace=(
                    ComplianceSecurityProfileWorkspaceSettingComplianceSecurityProfileWorkspace(
                        is_enabled=True,
                        compliance_standards=[str(s) for s in env.workspace.compliance_standards],
                    )
                ),
            )
