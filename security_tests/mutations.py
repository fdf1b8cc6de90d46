"""Planted violations: each takes a real synthesized resource (or a compliant fixture for resource types
the stacks do not declare yet), changes one thing, and must make its check fail. A violation marked
`document=True` changes the whole stack that holds the resource instead, for checks that read the stack."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Body = dict[str, Any]

POLICY_ID = "${databricks_cluster_policy.jobs.policy_id}"
# Compliant bodies for resource types the real stacks do not declare.
FIXTURES: dict[str, Body] = {
    "databricks_cluster": {
        "cluster_name": "analysis",
        "spark_version": "15.4.x-scala2.12",
        "node_type_id": "m6i.xlarge",
        "num_workers": 1,
        "policy_id": POLICY_ID,
        "autotermination_minutes": 20,
    },
    "databricks_pipeline": {
        "name": "ingest",
        "catalog": "llm_dev",
        "schema": "raw",
        "cluster": [
            {"label": "default", "num_workers": 1, "policy_id": POLICY_ID},
            {"label": "maintenance", "policy_id": POLICY_ID},
        ],
    },
    "databricks_automatic_cluster_update_workspace_setting": {
        "automatic_cluster_update_workspace": {
            "enabled": True,
            "maintenance_window": {
                "week_day_based_schedule": {
                    "day_of_week": "SUNDAY",
                    "frequency": "EVERY_WEEK",
                    "window_start_time": {"hours": 2, "minutes": 0},
                }
            },
        }
    },
}

# Real resources that fail a check today (waived) get a compliant variant here, so the check is also
# seen passing.
COMPLIANT_VARIANTS: dict[str, Callable[[Body], None]] = {
    "databricks_vector_search_endpoint": lambda body: body.update(budget_policy_id="bp-0123456789"),
}


@dataclass(frozen=True)
class Violation:
    """One planted violation. `in_stack` plants it into a copy of the whole stack it comes from (checks
    that read the document need the rest of it); `stack_change` then changes that copy too. With
    `document`, `change` itself receives the copy of the whole stack (a required resource removed,
    disabled or aimed elsewhere) and the resource stays as it was."""

    check_id: str
    resource_type: str
    label: str
    change: Callable[[Body], None]
    name_part: str = ""
    env: str = "dev"
    where: Callable[[Body], bool] | None = None
    stack: str = r"-(metastore|foundation|account|workspace|retrieval|serving)$"
    document: bool = False
    in_stack: bool = False
    stack_change: Callable[[Body], None] | None = None

    @property
    def case_id(self) -> str:
        return f"{self.check_id}-{self.label}"


def rule(key: str, value: Any = None) -> Callable[[Body], None]:
    """Set (or with None, delete) one rule inside a cluster policy's JSON definition."""

    def change(body: Body) -> None:
        definition = json.loads(body["definition"])
        if value is None:
            definition.pop(key, None)
        else:
            definition[key] = value
        body["definition"] = json.dumps(definition, sort_keys=True)

    return change


def at(path: str, value: Any = None) -> Callable[[Body], None]:
    """Set (or with None, delete) a dotted path, entering one-element block lists."""

    def change(body: Body) -> None:
        *parents, last = path.split(".")
        node: Any = body
        for part in parents:
            node = node[part]
            if isinstance(node, list):
                node = node[0]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value

    return change


def each_entity(key: str, value: Any = None) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        entities = body["config"]["served_entities"]
        for entity in entities if isinstance(entities, list) else [entities]:
            if value is None:
                entity.pop(key, None)
            else:
                entity[key] = value

    return change


def add_grant(principal: str, *privileges: str) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        body["grant"] = [*body["grant"], {"principal": principal, "privileges": list(privileges)}]

    return change


def policy_statements(attribute: str, keep: Callable[[Body], bool]) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        document = json.loads(body[attribute])
        document["Statement"] = [s for s in document["Statement"] if keep(s)]
        body[attribute] = json.dumps(document)

    return change


def strip_conditions(attribute: str) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        document = json.loads(body[attribute])
        for statement in document["Statement"]:
            statement.pop("Condition", None)
        body[attribute] = json.dumps(document)

    return change


def trust_principal(sid: str, principal: str) -> Callable[[Body], None]:
    """Make statement `sid` of a role's trust policy name `principal`, with no condition but the
    external ID."""

    def change(body: Body) -> None:
        document = json.loads(body["assume_role_policy"])
        for statement in document["Statement"]:
            if statement.get("Sid") == sid:
                statement["Principal"] = {"AWS": principal}
                statement["Condition"] = {"StringEquals": statement["Condition"]["StringEquals"]}
        body["assume_role_policy"] = json.dumps(document)

    return change


def key_principal(sid: str, principal: str) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        document = json.loads(body["policy"])
        for statement in document["Statement"]:
            if statement.get("Sid") == sid:
                statement["Principal"] = {"AWS": principal}
        body["policy"] = json.dumps(document)

    return change


def add_access(group: str, level: str) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        body["access_control"] = [*body["access_control"], {"group_name": group, "permission_level": level}]

    return change


def add_resource(kind: str, name: str, body: Body) -> Callable[[Body], None]:
    """Add one resource to a stack document."""

    def change(document: Body) -> None:
        document.setdefault("resource", {}).setdefault(kind, {})[name] = body

    return change


def conf(key: str, value: str | None) -> Callable[[Body], None]:
    return at(f"custom_config.{key}", value)


def json_attribute(attribute: str, edit: Callable[[Any], None]) -> Callable[[Body], None]:
    """Edit a JSON document held in a string attribute."""

    def change(body: Body) -> None:
        document = json.loads(body[attribute])
        edit(document)
        body[attribute] = json.dumps(document)

    return change


def first_statement(**fields: Any) -> Callable[[Any], None]:
    def edit(document: Any) -> None:
        document["Statement"][0].update(fields)

    return edit


def add_statement(statement: Body) -> Callable[[Any], None]:
    def edit(document: Any) -> None:
        document["Statement"].append(statement)

    return edit


def tls_deny_on(*resources: str) -> Callable[[Body], None]:
    def edit(document: Any) -> None:
        for statement in document["Statement"]:
            if "aws:SecureTransport" in json.dumps(statement.get("Condition", {})):
                statement["Resource"] = list(resources)

    return json_attribute("policy", edit)


def task_cluster(body: Body) -> None:
    """Run the first task on its own new_cluster, copied from its job cluster without the policy."""
    cluster = json.loads(json.dumps(body["job_cluster"][0]["new_cluster"]))
    cluster.pop("policy_id")
    task = body["task"][0]
    task.pop("job_cluster_key", None)
    task["new_cluster"] = cluster


def loop_task(inner: Body) -> Callable[[Body], None]:
    """Wrap the first task's work in a for_each_task whose inner task is `inner`."""

    def change(body: Body) -> None:
        task = body["task"][0]
        task["for_each_task"] = {"inputs": "[1, 2]", "task": {"task_key": "each", **inner}}

    return change


def resource_type(kind: str, edit: Callable[[Body], None] | None = None) -> Callable[[Body], None]:
    """In a whole stack document: drop every resource of `kind`, or edit each one."""

    def change(document: Body) -> None:
        if edit is None:
            document["resource"].pop(kind)
        else:
            for body in document["resource"][kind].values():
                edit(body)

    return change


def in_data(kind: str, name_part: str, key: str, value: Any) -> Callable[[Body], None]:
    """In a whole stack document: set `key` on the data sources of `kind` whose name holds `name_part`."""

    def change(document: Body) -> None:
        for name, body in document["data"][kind].items():
            if name_part in name:
                body[key] = value

    return change


FILE_READ = '${file("/etc/passwd")}'
CP = "databricks_cluster_policy"
DEV_PREFIX = "lakeward-dev"
SERVING = "databricks_model_serving"
CONF = "databricks_workspace_conf"
CREDENTIAL = "databricks_storage_credential"
RESTRICT = "databricks_restrict_workspace_admins_setting"
IP_LIST = "databricks_ip_access_list"
TENANT = r"-tenant-claims_analytics$"
OTHER = at("provider", "databricks.other")

VIOLATIONS: list[Violation] = [
    Violation(
        "LKW_AWS_001",
        "aws_s3_bucket_policy",
        "tls-deny-removed",
        policy_statements(
            "policy", lambda s: "aws:SecureTransport" not in json.dumps(s.get("Condition", {}))
        ),
        "root-bucket",
    ),
    Violation(
        "LKW_AWS_001",
        "aws_s3_bucket_policy",
        "deny-aimed-at-another-bucket",
        tls_deny_on("${aws_s3_bucket.other.arn}", "${aws_s3_bucket.other.arn}/*"),
        "uc-bucket",
    ),
    Violation(
        "LKW_AWS_001",
        "aws_s3_bucket_policy",
        "deny-on-a-literal-other-bucket",
        tls_deny_on("arn:aws:s3:::someone-else", "arn:aws:s3:::someone-else/*"),
        "logs-bucket",
    ),
    Violation(
        "LKW_AWS_001",
        "aws_s3_bucket_policy",
        "deny-on-the-bucket-not-its-objects",
        json_attribute(
            "policy",
            lambda document: document["Statement"][0].update(
                Resource=document["Statement"][0]["Resource"][:1]
            ),
        ),
        "uc-bucket",
    ),
    Violation("LKW_AWS_002", "aws_flow_log", "rejects-only", at("traffic_type", "REJECT")),
    Violation(
        "LKW_AWS_003",
        "aws_iam_role",
        "no-external-id",
        strip_conditions("assume_role_policy"),
        "cross-account",
    ),
    Violation(
        "LKW_AWS_005",
        "aws_iam_role",
        "trust-anyone-with-external-id",
        json_attribute("assume_role_policy", first_statement(Principal="*")),
        "cross-account",
    ),
    Violation(
        "LKW_AWS_005",
        "aws_iam_role",
        "trust-aws-star",
        json_attribute("assume_role_policy", first_statement(Principal={"AWS": "*"})),
        "catalog_role",
    ),
    Violation(
        "LKW_AWS_005",
        "aws_iam_role",
        "trust-any-account",
        json_attribute("assume_role_policy", first_statement(Principal={"AWS": "arn:aws:iam::*:root"})),
        "log-delivery",
    ),
    Violation(
        "LKW_AWS_005",
        "aws_iam_role",
        "trust-anyone-if-exists",
        json_attribute(
            "assume_role_policy",
            first_statement(
                Principal="*", Condition={"StringEqualsIfExists": {"aws:PrincipalAccount": "111111111111"}}
            ),
        ),
        "cross-account",
    ),
    Violation(
        "LKW_AWS_005",
        "aws_s3_bucket_policy",
        "bucket-readable-by-anyone",
        json_attribute(
            "policy",
            add_statement(
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::x/*",
                }
            ),
        ),
        "uc-bucket",
    ),
    Violation(
        "LKW_AWS_005",
        "aws_kms_key",
        "key-for-all-but-one",
        json_attribute(
            "policy",
            add_statement(
                {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                }
            ),
        ),
        "managed-services",
    ),
    Violation(
        "LKW_AWS_004",
        "aws_vpc_endpoint",
        "no-private-dns",
        at("private_dns_enabled", False),
        "workspace-endpoint",
    ),
    Violation(
        "LKW_DBX_001",
        "databricks_mws_private_access_settings",
        "public-access-any-endpoint",
        lambda body: body.update(public_access_enabled=True, private_access_level="ACCOUNT"),
    ),
    Violation("LKW_DBX_002", "databricks_mws_networks", "no-relay", at("vpc_endpoints.dataplane_relay", [])),
    Violation(
        "LKW_DBX_003",
        "databricks_mws_networks",
        "one-subnet",
        lambda body: body.update(subnet_ids=body["subnet_ids"][:1]),
    ),
    Violation("LKW_DBX_004", "databricks_mws_workspaces", "no-pas", at("private_access_settings_id")),
    Violation(
        "LKW_DBX_005", "databricks_mws_workspaces", "no-storage-cmk", at("storage_customer_managed_key_id")
    ),
    Violation(
        "LKW_DBX_006",
        "databricks_mws_customer_managed_keys",
        "no-key-arn",
        at("aws_key_info.key_arn"),
        "storage",
    ),
    Violation(
        "LKW_DBX_007",
        "databricks_mws_log_delivery",
        "disabled",
        at("status", "DISABLED"),
        where=lambda body: body.get("log_type") == "AUDIT_LOGS",
    ),
    Violation(
        "LKW_DBX_008",
        "databricks_mws_workspaces",
        "audit-delivery-absent",
        resource_type("databricks_mws_log_delivery"),
        document=True,
    ),
    Violation(
        "LKW_DBX_008",
        "databricks_mws_workspaces",
        "audit-delivery-disabled",
        resource_type("databricks_mws_log_delivery", lambda body: body.update(status="DISABLED")),
        document=True,
    ),
    Violation(
        "LKW_DBX_008",
        "databricks_mws_workspaces",
        "audit-delivery-for-another-workspace",
        resource_type(
            "databricks_mws_log_delivery", lambda body: body.update(workspace_ids_filter=["1234567890123456"])
        ),
        document=True,
    ),
    Violation(
        "LKW_DBX_008",
        "databricks_mws_workspaces",
        "billable-usage-only",
        resource_type("databricks_mws_log_delivery", lambda body: body.update(log_type="BILLABLE_USAGE")),
        document=True,
    ),
    Violation(
        "LKW_DBX_010",
        CP,
        "defaulted-not-pinned",
        rule("autotermination_minutes", {"type": "unlimited", "defaultValue": 30}),
        "jobs",
    ),
    Violation(
        "LKW_DBX_011",
        CP,
        "defaulted-not-pinned",
        rule("data_security_mode", {"type": "unlimited", "defaultValue": "SINGLE_USER"}),
        "jobs",
    ),
    Violation(
        "LKW_DBX_011",
        CP,
        "allows-none",
        rule("data_security_mode", {"type": "allowlist", "values": ["SINGLE_USER", "NONE"]}),
        "jobs",
    ),
    Violation(
        "LKW_DBX_012",
        CP,
        "regex-runtime",
        rule("spark_version", {"type": "regex", "pattern": "1[0-9]\\..*"}),
        "jobs",
    ),
    Violation(
        "LKW_DBX_012",
        CP,
        "past-end-of-support",
        rule("spark_version", {"type": "allowlist", "values": ["15.4.x-scala2.12", "12.2.x-scala2.12"]}),
        "jobs",
    ),
    Violation(
        "LKW_DBX_012",
        CP,
        "not-lts",
        rule("spark_version", {"type": "fixed", "value": "17.2.x-scala2.12"}),
        "jobs",
    ),
    Violation("LKW_DBX_013", CP, "no-cost-center", rule("custom_tags.CostCenter"), "jobs"),
    Violation(
        "LKW_DBX_014", CP, "uncapped-workers", rule("num_workers", {"type": "range", "minValue": 0}), "jobs"
    ),
    Violation("LKW_DBX_015", CP, "no-dbu-cap", rule("dbus_per_hour"), "jobs"),
    Violation(
        "LKW_DBX_016",
        CP,
        "defaulted-not-pinned",
        rule("enable_local_disk_encryption", {"type": "unlimited", "defaultValue": True}),
        "jobs",
    ),
    Violation("LKW_DBX_017", CP, "ssh-allowed", rule("ssh_public_keys.*"), "jobs"),
    Violation(
        "LKW_DBX_018",
        CP,
        "gpu-without-pool",
        lambda body: (
            rule("instance_pool_id")(body),
            rule("node_type_id", {"type": "allowlist", "values": ["g5.xlarge"]})(body),
        ),
        "gpu",
    ),
    Violation("LKW_DBX_020", "databricks_instance_pool", "no-max", at("max_capacity")),
    Violation("LKW_DBX_021", "databricks_instance_pool", "idle-gpus", at("min_idle_instances", 2)),
    Violation(
        "LKW_DBX_022", "databricks_instance_pool", "idle-4h", at("idle_instance_autotermination_minutes", 240)
    ),
    Violation(
        "LKW_DBX_030",
        "databricks_secret_acl",
        "users-manage",
        lambda body: body.update(principal="users", permission="MANAGE"),
        "engineers",
    ),
    Violation(
        "LKW_DBX_031",
        "databricks_secret_acl",
        "account-users-read",
        at("principal", "account users"),
        "engineers",
    ),
    Violation(
        "LKW_DBX_031",
        "databricks_secret_acl",
        "a-person",
        at("principal", "jane.doe@example.com"),
        "engineers",
    ),
    Violation(
        "LKW_DBX_032", "databricks_secret_scope", "users-manage", at("initial_manage_principal", "users")
    ),
    Violation(
        "LKW_DBX_040",
        "databricks_grants",
        "all-privileges",
        add_grant("account users", "ALL_PRIVILEGES"),
        "catalog-grants",
    ),
    Violation("LKW_DBX_040", "databricks_grants", "manage", add_grant("users", "MANAGE"), "schema-raw"),
    Violation(
        "LKW_DBX_041",
        "databricks_grants",
        "modify",
        add_grant("account users", "SELECT", "MODIFY"),
        "curated",
    ),
    Violation(
        "LKW_DBX_042", "databricks_grants", "a-person", add_grant("jane.doe@example.com", "SELECT"), "curated"
    ),
    Violation(
        "LKW_DBX_050",
        SERVING,
        "no-user-limit",
        lambda body: body["ai_gateway"].update(
            rate_limits=[r for r in body["ai_gateway"]["rate_limits"] if r["key"] != "user"]
        ),
    ),
    Violation(
        "LKW_DBX_051", SERVING, "no-inference-table", at("ai_gateway.inference_table_config.enabled", False)
    ),
    Violation(
        "LKW_DBX_052", SERVING, "output-pii-off", at("ai_gateway.guardrails.output.pii.behavior", "NONE")
    ),
    Violation("LKW_DBX_053", SERVING, "no-usage-tracking", at("ai_gateway.usage_tracking_config")),
    Violation("LKW_DBX_054", SERVING, "uncapped", each_entity("max_provisioned_concurrency")),
    Violation(
        "LKW_DBX_055", SERVING, "prod-scales-to-zero", each_entity("scale_to_zero_enabled", True), env="prod"
    ),
    Violation(
        "LKW_DBX_056",
        SERVING,
        "plaintext-key",
        each_entity(
            "external_model",
            {
                "name": "chat",
                "provider": "openai",
                "task": "llm/v1/chat",
                "openai_config": {"openai_api_key_plaintext": "x"},
            },
        ),
    ),
    Violation("LKW_DBX_057", "databricks_vector_search_endpoint", "no-budget-policy", at("budget_policy_id")),
    Violation(
        "LKW_DBX_060",
        "databricks_job",
        "runs-as-person",
        at("run_as", {"user_name": "jane.doe@example.com"}),
        "job-embed",
    ),
    Violation(
        "LKW_DBX_061",
        "databricks_job",
        "cluster-without-policy",
        lambda body: body["job_cluster"][0]["new_cluster"].pop("policy_id"),
        "job-embed",
    ),
    Violation(
        "LKW_DBX_061",
        "databricks_job",
        "all-purpose-cluster",
        lambda body: body["task"][0].update(existing_cluster_id="0123-456789-abcdefgh"),
        "job-embed",
    ),
    Violation("LKW_DBX_061", "databricks_job", "task-new-cluster-without-policy", task_cluster, "job-embed"),
    Violation(
        "LKW_DBX_061",
        "databricks_job",
        "for-each-task-cluster-without-policy",
        loop_task({"new_cluster": {"spark_version": "15.4.x-scala2.12", "num_workers": 1}}),
        "job-embed",
    ),
    Violation(
        "LKW_DBX_061",
        "databricks_job",
        "for-each-task-on-all-purpose-cluster",
        loop_task({"existing_cluster_id": "0123-456789-abcdefgh"}),
        "job-embed",
    ),
    Violation(
        "LKW_DBX_061",
        "databricks_job",
        "legacy-job-cluster-without-policy",
        at("new_cluster", {"spark_version": "15.4.x-scala2.12", "num_workers": 1}),
        "job-embed",
    ),
    Violation("LKW_DBX_061", "databricks_cluster", "cluster-resource-without-policy", at("policy_id")),
    Violation(
        "LKW_DBX_061",
        "databricks_pipeline",
        "pipeline-cluster-without-policy",
        lambda body: body["cluster"][1].pop("policy_id"),
    ),
    Violation(
        "LKW_DBX_061",
        "databricks_pipeline",
        "classic-pipeline-default-clusters",
        lambda body: body.pop("cluster"),
    ),
    Violation("LKW_DBX_070", CONF, "year-long-tokens", conf("maxTokenLifetimeDays", "365")),
    Violation("LKW_DBX_071", CONF, "ip-lists-off", conf("enableIpAccessLists", "false")),
    Violation("LKW_DBX_072", CONF, "no-verbose-audit", conf("enableVerboseAuditLogs", None)),
    Violation("LKW_DBX_073", CONF, "downloads-on", conf("enableResultsDownloading", "true")),
    Violation("LKW_DBX_074", CONF, "imdsv1", conf("enableEnforceImdsV2", None)),
    Violation(
        "LKW_DBX_075",
        "databricks_ip_access_list",
        "open-range",
        lambda body: body.update(ip_addresses=[*body["ip_addresses"], "0.0.0.0/0"]),
    ),
    Violation(
        "LKW_DBX_076",
        "databricks_restrict_workspace_admins_setting",
        "allow-all",
        at("restrict_workspace_admins.status", "ALLOW_ALL"),
    ),
    Violation(
        "LKW_DBX_077",
        "databricks_enhanced_security_monitoring_workspace_setting",
        "off",
        at("enhanced_security_monitoring_workspace.is_enabled", False),
    ),
    Violation(
        "LKW_DBX_078",
        "databricks_compliance_security_profile_workspace_setting",
        "off",
        at("compliance_security_profile_workspace.is_enabled", False),
        env="prod",
    ),
    Violation(
        "LKW_DBX_079",
        "databricks_disable_legacy_dbfs_setting",
        "dbfs-on",
        at("disable_legacy_dbfs.value", False),
    ),
    Violation(
        "LKW_DBX_080",
        "databricks_disable_legacy_access_setting",
        "legacy-on",
        at("disable_legacy_access.value", False),
    ),
    Violation("LKW_DBX_082", CREDENTIAL, "conf-absent", resource_type(CONF), document=True),
    Violation(
        "LKW_DBX_082",
        CREDENTIAL,
        "conf-empty",
        resource_type(CONF, lambda body: body.update(custom_config={})),
        document=True,
    ),
    Violation(
        "LKW_DBX_082", CREDENTIAL, "conf-for-another-workspace", resource_type(CONF, OTHER), document=True
    ),
    Violation("LKW_DBX_083", CREDENTIAL, "restriction-absent", resource_type(RESTRICT), document=True),
    Violation(
        "LKW_DBX_083",
        CREDENTIAL,
        "restriction-allows-all",
        resource_type(RESTRICT, at("restrict_workspace_admins.status", "ALLOW_ALL")),
        document=True,
    ),
    Violation(
        "LKW_DBX_083",
        CREDENTIAL,
        "restriction-for-another-workspace",
        resource_type(RESTRICT, OTHER),
        document=True,
    ),
    Violation("LKW_DBX_084", CREDENTIAL, "allow-list-absent", resource_type(IP_LIST), document=True),
    Violation(
        "LKW_DBX_084",
        CREDENTIAL,
        "allow-list-disabled",
        resource_type(IP_LIST, lambda body: body.update(enabled=False)),
        document=True,
    ),
    Violation(
        "LKW_DBX_084",
        CREDENTIAL,
        "block-list-only",
        resource_type(IP_LIST, lambda body: body.update(list_type="BLOCK")),
        document=True,
    ),
    Violation(
        "LKW_DBX_084",
        CREDENTIAL,
        "allow-list-for-another-workspace",
        resource_type(IP_LIST, OTHER),
        document=True,
    ),
    Violation(
        "LKW_DBX_090",
        "databricks_catalog",
        "file-read-in-display-name",
        at("comment", f"Claims {FILE_READ} (CHG-1234)"),
        stack=TENANT,
    ),
    Violation(
        "LKW_DBX_090",
        "databricks_job",
        "for-directive-in-a-tag",
        at("tags.Owner", '%{ for f in fileset("/etc", "*") }${f} %{ endfor }'),
        "job-embed",
    ),
    Violation(
        "LKW_DBX_090",
        "databricks_job",
        "template-in-a-tag-key",
        lambda body: body["tags"].update({FILE_READ: "x"}),
        "job-embed",
    ),
    Violation(
        "LKW_DBX_090",
        "databricks_policy_info",
        "file-read-in-abac-condition",
        at("match_columns.condition", f"hasTag('{FILE_READ}')"),
        stack=TENANT,
    ),
    Violation(
        "LKW_DBX_090",
        "aws_s3_bucket_policy",
        "function-in-policy-json",
        json_attribute(
            "policy",
            add_statement(
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": 'arn:aws:s3:::${lower("X")}',
                }
            ),
        ),
        "uc-bucket",
    ),
    Violation(
        "LKW_DBX_090",
        "databricks_model_serving",
        "expression-after-a-reference",
        each_entity("entity_version", '${terraform.workspace == "x" ? file("/etc/passwd") : "1"}'),
    ),
    Violation(
        "LKW_DBX_090",
        "databricks_mws_permission_assignment",
        "file-read-in-a-data-source-it-reads",
        in_data("databricks_group", "group-admins", "display_name", FILE_READ),
        "admins-assignment",
        stack=TENANT,
        document=True,
    ),
    Violation(
        "LKW_DBX_081",
        "databricks_automatic_cluster_update_workspace_setting",
        "off",
        at("automatic_cluster_update_workspace.enabled", False),
    ),
    # Apply-time failures, planted into copies of whole stacks.
    Violation(
        "LKW_DEPLOY_001",
        "aws_iam_role",
        "trusts-own-arn",
        trust_principal(
            "ExplicitSelfRoleAssumption", f"arn:aws:iam::111111111111:role/{DEV_PREFIX}-unity-catalog"
        ),
        "catalog_role",
        stack=r"-workspace$",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_001",
        "aws_kms_key",
        "key-names-role-by-literal-arn",
        key_principal(
            "DatabricksClusterVolumes", f"arn:aws:iam::111111111111:role/{DEV_PREFIX}-cross-account"
        ),
        "workspace-storage",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_002",
        "databricks_schema",
        "literal-catalog-name",
        at("catalog_name", "llm_dev"),
        "schema-raw",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_002",
        "databricks_grants",
        "literal-grant-catalog",
        at("catalog", "llm_dev"),
        "catalog-grants",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_003",
        CP,
        "pool-policy-sets-availability",
        rule(
            "aws_attributes.availability",
            {"type": "allowlist", "values": ["ON_DEMAND", "SPOT_WITH_FALLBACK"]},
        ),
        "gpu",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_003",
        CP,
        "pool-tag-fixed-again",
        rule("custom_tags.Owner", {"type": "fixed", "value": "platform-team"}),
        "gpu",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_004",
        "databricks_compliance_security_profile_workspace_setting",
        "soc2-standard",
        at("compliance_security_profile_workspace.compliance_standards", ["HIPAA", "SOC2"]),
        env="prod",
    ),
    Violation(
        "LKW_DEPLOY_004",
        "databricks_vector_search_index",
        "index-sync-mode-unknown",
        at("delta_sync_index_spec.pipeline_type", "HOURLY"),
        name_part="llm_dev",
    ),
    Violation(
        "LKW_DEPLOY_005",
        "databricks_metastore",
        "beside-a-workspace",
        lambda body: None,
        stack=r"-metastore$",
        in_stack=True,
        stack_change=add_resource(
            "databricks_mws_workspaces",
            "workspace",
            {"account_id": "00000000-0000-4000-8000-000000000001", "workspace_name": "lakeward-dev"},
        ),
    ),
    Violation(
        "LKW_DEPLOY_005",
        "databricks_mws_log_delivery",
        "account-wide-from-environment",
        at("workspace_ids_filter"),
        where=lambda body: body.get("log_type") == "AUDIT_LOGS",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_006",
        SERVING,
        "version-not-read",
        at("depends_on"),
        stack=r"-serving$",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_006",
        "databricks_policy_info",
        "function-not-read",
        at("depends_on"),
        stack=r"-tenant-claims_analytics$",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_006",
        "databricks_vector_search_index",
        "source-table-not-read",
        at("depends_on"),
        name_part="llm_dev",
        stack=r"-retrieval$",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_008",
        "databricks_mws_private_access_settings",
        "private-with-back-end-only",
        at("public_access_enabled", False),
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_007",
        "databricks_permissions",
        "unassigned-group",
        add_access("lakeward-new-team", "CAN_USE"),
        "jobs-policy-use",
        in_stack=True,
    ),
    Violation(
        "LKW_DEPLOY_007",
        "databricks_secret_acl",
        "before-assignment",
        at("depends_on"),
        "acl-engineers",
        in_stack=True,
    ),
]
