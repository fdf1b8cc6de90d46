"""Live API objects in the resource shape the synthesized JSON and the policy pack use.

Each function takes the JSON an API returns (the SDK's `as_dict()`) and returns the attributes of the
Terraform resource that manages the object, named as the Databricks provider names them (`task`, not
`tasks`; a setting's nested block as it is), so the pack's checks read live objects exactly as they
read code, the way `policies/plan.py` turns a plan into stack documents.
"""

from __future__ import annotations

import json
from typing import Any

# Settings: the Terraform resource, the settings API type (`/api/2.0/settings/types/<type>/names/default`)
# and the SDK accessor of `WorkspaceClient.settings`.
SETTINGS = {
    "databricks_restrict_workspace_admins_setting": (
        "restrict_workspace_admins",
        "restrict_workspace_admins",
    ),
    "databricks_disable_legacy_access_setting": ("disable_legacy_access", "disable_legacy_access"),
    "databricks_disable_legacy_dbfs_setting": ("disable_legacy_dbfs", "disable_legacy_dbfs"),
    "databricks_enhanced_security_monitoring_workspace_setting": (
        "shield_esm_enablement_ws_db",
        "enhanced_security_monitoring",
    ),
    "databricks_compliance_security_profile_workspace_setting": (
        "shield_csp_enablement_ws_db",
        "compliance_security_profile",
    ),
    "databricks_automatic_cluster_update_workspace_setting": (
        "automatic_cluster_update",
        "automatic_cluster_update",
    ),
}
# API field name -> provider block name, wherever it occurs in a job's settings.
JOB_BLOCKS = {
    "tasks": "task",
    "job_clusters": "job_cluster",
    "libraries": "library",
    "environments": "environment",
    "parameters": "parameter",
}

# SCIM entitlement value -> the provider's attribute
# (https://docs.databricks.com/api/workspace/serviceprincipals/get, `entitlements[].value`).
ENTITLEMENTS = {
    "allow-cluster-create": "allow_cluster_create",
    "allow-instance-pool-create": "allow_instance_pool_create",
    "databricks-sql-access": "databricks_sql_access",
    "workspace-access": "workspace_access",
}


def cluster_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """`databricks_cluster_policy`, the definition parsed into its rules (unreadable JSON stays text)."""
    keys = ("name", "definition", "description", "max_clusters_per_user", "policy_family_id", "policy_id")
    shaped = {key: policy[key] for key in keys if policy.get(key) is not None}
    rules = definition_rules(shaped.get("definition"))
    if rules is not None:
        shaped["definition"] = rules
    return shaped


def instance_pool(pool: dict[str, Any]) -> dict[str, Any]:
    """`databricks_instance_pool`: the API names its fields as the provider does; stats are dropped."""
    dropped = {"stats", "status", "state", "default_tags"}
    return {key: value for key, value in pool.items() if key not in dropped}


def job(job_: dict[str, Any]) -> dict[str, Any]:
    """`databricks_job`: the job's settings with the provider's block names, and its ID."""
    return {**_renamed(job_.get("settings") or {}), "job_id": job_.get("job_id")}


def _renamed(value: Any) -> Any:
    if isinstance(value, dict):
        return {JOB_BLOCKS.get(key, key): _renamed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item) for item in value]
    return value


def serving_endpoint(endpoint: dict[str, Any]) -> dict[str, Any]:
    """`databricks_model_serving`: name, config (served entities), AI gateway, tags, route optimisation."""
    keys = ("name", "config", "ai_gateway", "tags", "route_optimized", "budget_policy_id", "id")
    shaped = {key: endpoint[key] for key in keys if endpoint.get(key) is not None}
    if "id" in shaped:
        shaped["serving_endpoint_id"] = shaped.pop("id")
    return shaped


def ip_access_list(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("label", "list_type", "ip_addresses", "enabled", "list_id")
    return {key: entry[key] for key in keys if entry.get(key) is not None}


def secret_scope(scope: dict[str, Any]) -> dict[str, Any]:
    return {key: scope[key] for key in ("name", "backend_type") if scope.get(key) is not None}


def secret_acl(scope: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"scope": scope, "principal": item.get("principal"), "permission": item.get("permission")}


def grants(securable: str, full_name: str, assignments: list[dict[str, Any]]) -> dict[str, Any]:
    """`databricks_grants` on a catalog or schema: one `grant` block per principal."""
    blocks = [
        {"principal": a.get("principal"), "privileges": sorted(str(p) for p in a.get("privileges") or [])}
        for a in assignments
        if a.get("privileges")
    ]
    return {securable: full_name, "grant": sorted(blocks, key=lambda block: str(block["principal"]))}


def workspace_conf(status: dict[str, Any]) -> dict[str, Any]:
    """`databricks_workspace_conf`: the keys that are set, as strings."""
    return {"custom_config": {key: str(value) for key, value in sorted(status.items()) if value is not None}}


def setting(body: dict[str, Any]) -> dict[str, Any]:
    """A workspace setting: its value block, without the etag and setting name."""
    return {key: value for key, value in body.items() if key not in ("etag", "setting_name")}


def service_principal(principal: dict[str, Any]) -> dict[str, Any]:
    """`databricks_service_principal`: SCIM names and entitlements as the provider's booleans."""
    entitlements = {str(e.get("value")) for e in principal.get("entitlements") or [] if isinstance(e, dict)}
    shaped = {
        "display_name": principal.get("displayName"),
        "application_id": principal.get("applicationId"),
        "active": principal.get("active"),
    }
    shaped |= {flag: value in entitlements for value, flag in ENTITLEMENTS.items()}
    return {key: value for key, value in shaped.items() if value is not None}


def account_object(item: dict[str, Any]) -> dict[str, Any]:
    """An account object (workspace, network, private access settings, log delivery configuration):
    the account API names its fields as the provider's `databricks_mws_*` resources do."""
    return dict(item)


def definition_rules(value: Any) -> dict[str, Any] | None:
    """A cluster policy definition (JSON text or already parsed) as `{rule: body}`; None if unreadable."""
    if isinstance(value, dict):
        return value
    try:
        rules = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return rules if isinstance(rules, dict) else None
