"""A fake workspace as `terraform apply` of the synthesized stacks would leave it, in the API's shapes.

Each covered resource becomes the object its documented GET returns, with IDs the workspace would
assign (`pool-<name>`, `policy-<name>`, `app-<name>`) in place of the references between resources, and
`remote-<output>` for values read from another stack. Tests start from this clean copy and plant edits.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from policies import contract
from tests.fakes.databricks_api import FakeAccount, FakeWorkspace

SETTING_TYPES = {
    "databricks_restrict_workspace_admins_setting": "restrict_workspace_admins",
    "databricks_disable_legacy_access_setting": "disable_legacy_access",
    "databricks_disable_legacy_dbfs_setting": "disable_legacy_dbfs",
    "databricks_enhanced_security_monitoring_workspace_setting": "shield_esm_enablement_ws_db",
    "databricks_compliance_security_profile_workspace_setting": "shield_csp_enablement_ws_db",
    "databricks_automatic_cluster_update_workspace_setting": "automatic_cluster_update",
}
ENTITLEMENTS = {
    "allow_cluster_create": "allow-cluster-create",
    "allow_instance_pool_create": "allow-instance-pool-create",
    "databricks_sql_access": "databricks-sql-access",
    "workspace_access": "workspace-access",
}
API_BLOCKS = {"task": "tasks", "job_cluster": "job_clusters", "library": "libraries"}
WORKSPACE_ID = 1234567890123456
REFERENCE = re.compile(r"\$\{[^}]*\}")


def assigned_id(document: dict[str, Any], expression: str) -> str:
    """What the workspace assigns for one `${...}` expression of `document`."""
    reference = contract.parse_reference(expression)
    if reference is None or reference.data:
        remote = contract.remote_output(expression)
        return f"remote-{remote[1][-12:]}" if remote else "remote-value"
    target = contract.resources_of(document, reference.type).get(reference.name, {})
    if reference.attribute in target:
        return str(resolved(document, target[reference.attribute]))
    if reference.type == "databricks_schema" and reference.attribute == "id":
        return f"{resolved(document, target['catalog_name'])}.{target['name']}"
    if reference.attribute == "workspace_id":
        return str(WORKSPACE_ID)
    names = ("name", "instance_pool_name", "display_name", "network_name", "private_access_settings_name")
    label = next((target[key] for key in names if key in target), reference.name)
    prefix = {"instance_pool_id": "pool", "policy_id": "policy", "application_id": "app"}
    return f"{prefix.get(str(reference.attribute), 'id')}-{label}"


def resolved(document: dict[str, Any], value: Any) -> Any:
    if isinstance(value, dict):
        return {key: resolved(document, item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(document, item) for item in value]
    if isinstance(value, str) and "${" in value:
        whole = contract.parse_reference(value) or contract.remote_output(value)
        if whole:
            return assigned_id(document, value)
        return REFERENCE.sub(lambda m: assigned_id(document, m.group()), value)
    return value


def _api_job(settings: Any) -> Any:
    if isinstance(settings, dict):
        return {API_BLOCKS.get(key, key): _api_job(item) for key, item in settings.items()}
    if isinstance(settings, list):
        return [_api_job(item) for item in settings]
    return settings


def deploy_account(out: Path, fake: FakeAccount) -> None:
    """The account objects of the account stack under `out`, added to `fake`."""
    for document in contract.read_stacks(out).values():
        for type_, _, body in contract.resources(document):
            attrs = resolved(document, {k: v for k, v in body.items() if k not in ("//", "depends_on")})
            if type_ == "databricks_mws_workspaces":
                live = {**attrs, "workspace_id": WORKSPACE_ID, "workspace_status": "RUNNING"}
                fake.workspaces.append({**live, "deployment_name": attrs.get("deployment_name", "dbc-1")})
            elif type_ == "databricks_mws_networks":
                fake.networks.append(
                    {**attrs, "network_id": f"id-{attrs['network_name']}", "vpc_status": "VALID"}
                )
            elif type_ == "databricks_mws_private_access_settings":
                pas_id = f"id-{attrs['private_access_settings_name']}"
                fake.private_access_settings.append({**attrs, "private_access_settings_id": pas_id})
            elif type_ == "databricks_mws_log_delivery":
                entry = {**attrs, "config_id": f"config-{attrs['config_name']}", "status": "ENABLED"}
                fake.log_delivery.append(entry)


def deployed(out: Path) -> FakeWorkspace:
    """The workspace the stacks under `out` describe."""
    ws = FakeWorkspace()
    for stack, document in sorted(contract.read_stacks(out).items()):
        for type_, name, body in contract.resources(document):
            attrs = resolved(document, {k: v for k, v in body.items() if k not in ("//", "depends_on")})
            _add(ws, stack, type_, name, attrs)
    return ws


def _add(ws: FakeWorkspace, stack: str, type_: str, name: str, attrs: dict[str, Any]) -> None:
    if type_ == "databricks_cluster_policy":
        ws.cluster_policies.append(
            {
                **attrs,
                "policy_id": f"policy-{attrs['name']}",
                "created_at_timestamp": 1700000000000,
                "is_default": False,
            }
        )
    elif type_ == "databricks_instance_pool":
        pool = {**attrs, "instance_pool_id": f"pool-{attrs['instance_pool_name']}", "state": "ACTIVE"}
        ws.instance_pools.append({**pool, "stats": {"idle_count": 0, "used_count": 0}})
    elif type_ == "databricks_job":
        ws.jobs.append(
            {
                "job_id": 1000 + len(ws.jobs),
                "created_time": 1700000000000,
                "creator_user_name": "deployer@example.com",
                "settings": {**_api_job(attrs), "format": "MULTI_TASK"},
            }
        )
    elif type_ == "databricks_model_serving":
        ws.serving_endpoints.append(
            {
                **attrs,
                "id": f"endpoint-{attrs['name']}",
                "state": {"ready": "READY", "config_update": "NOT_UPDATING"},
            }
        )
    elif type_ == "databricks_ip_access_list":
        entry = {**attrs, "list_id": f"list-{attrs['label']}", "address_count": len(attrs["ip_addresses"])}
        ws.ip_access_lists.append(entry)
    elif type_ == "databricks_secret_scope":
        ws.secret_scopes.append(
            {"name": attrs["name"], "backend_type": attrs.get("backend_type", "DATABRICKS")}
        )
        ws.secret_acls.setdefault(attrs["name"], [])
    elif type_ == "databricks_secret_acl":
        acl = {"principal": attrs["principal"], "permission": attrs["permission"]}
        ws.secret_acls.setdefault(attrs["scope"], []).append(acl)
    elif type_ == "databricks_grants":
        for securable in ("catalog", "schema"):
            if securable in attrs:
                ws.grants[f"{securable}/{attrs[securable]}".lower()] = copy.deepcopy(attrs["grant"])
    elif type_ == "databricks_workspace_conf":
        ws.workspace_conf.update(attrs["custom_config"])
    elif type_ in SETTING_TYPES:
        ws.settings[SETTING_TYPES[type_]] = attrs
    elif type_ == "databricks_service_principal":
        ws.service_principals.append(
            {
                "id": f"sp-{attrs['display_name']}",
                "displayName": attrs["display_name"],
                "applicationId": f"app-{attrs['display_name']}",
                "active": True,
                "entitlements": [{"value": value} for flag, value in ENTITLEMENTS.items() if attrs.get(flag)],
            }
        )
