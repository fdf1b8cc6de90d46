"""What drift covers and how a live object is matched to the code: by name, never by ID.

IDs are assigned by the workspace when Terraform creates an object, so the code cannot know them; names
are what the code writes. Each covered resource type has one natural key:

- cluster policies, secret scopes, jobs and serving endpoints: `name`; instance pools:
  `instance_pool_name`; IP access lists: `label`; service principals: `display_name`;
- account objects: workspaces by `workspace_name`, networks by `network_name`, private access
  settings by `private_access_settings_name`, log delivery by `config_name`;
- grants: the securable, `catalog:<catalog>` or `schema:<catalog>.<schema>`;
- secret ACLs: `<scope>/<principal>`;
- `workspace_conf` and each workspace setting: `default`, the workspace's one instance.

Two objects of one type with the same key cannot both be matched; the first (by stack, then resource
name) is, the others are reported as removed.
"""

from __future__ import annotations

import re
from typing import Any

from lakeward.drift.shapes import SETTINGS
from policies import contract

NAME_FIELD = {
    "databricks_cluster_policy": "name",
    "databricks_instance_pool": "instance_pool_name",
    "databricks_job": "name",
    "databricks_model_serving": "name",
    "databricks_ip_access_list": "label",
    "databricks_secret_scope": "name",  # pragma: allowlist secret
    "databricks_service_principal": "display_name",
    "databricks_mws_workspaces": "workspace_name",
    "databricks_mws_networks": "network_name",
    "databricks_mws_private_access_settings": "private_access_settings_name",
    "databricks_mws_log_delivery": "config_name",
}
SINGLETONS = ("databricks_workspace_conf", *SETTINGS)
COVERED = (*NAME_FIELD, "databricks_grants", "databricks_secret_acl", *SINGLETONS)
# Where the code owns the whole collection it reads, a live object the code does not declare is drift
# (`added`): every IP access list of the workspace, every ACL of a scope the code declares. Elsewhere
# such an object is unmanaged (another team's job, a built-in policy): checked by the pack, not drift.
OWNED = ("databricks_ip_access_list", "databricks_secret_acl")
# The attribute holding the ID the workspace assigned, which other resources reference.
ID_ATTRIBUTE = {
    "databricks_cluster_policy": "policy_id",
    "databricks_instance_pool": "instance_pool_id",
    "databricks_job": "job_id",
    "databricks_model_serving": "serving_endpoint_id",
    "databricks_ip_access_list": "list_id",
    "databricks_service_principal": "application_id",
    "databricks_mws_workspaces": "workspace_id",
    "databricks_mws_networks": "network_id",
    "databricks_mws_private_access_settings": "private_access_settings_id",
    "databricks_mws_log_delivery": "config_id",
}


SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def live_name(key: str) -> str:
    """The resource name of a live object the code does not declare: its key, made safe."""
    return SAFE.sub("_", key).strip("_") or "object"


def literal(value: Any) -> str | None:
    """A string the code knows before apply; None for a reference or anything else."""
    return value if isinstance(value, str) and value and not contract.is_reference(value) else None


def natural_key(type_: str, attributes: dict[str, Any]) -> str | None:
    """The key a live object and its code are matched by; None when the code leaves it unknown."""
    if type_ in NAME_FIELD:
        return literal(attributes.get(NAME_FIELD[type_]))
    if type_ in SINGLETONS:
        return "default"
    if type_ == "databricks_grants":
        for securable in ("catalog", "schema"):
            if name := literal(attributes.get(securable)):
                return f"{securable}:{name}"
        return None
    if type_ == "databricks_secret_acl":
        scope, principal = literal(attributes.get("scope")), literal(attributes.get("principal"))
        return f"{scope}/{principal}" if scope and principal else None
    return None
