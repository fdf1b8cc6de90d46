"""Apply-time failures, predicted from the synthesized JSON: each check encodes one documented constraint
of the Databricks or AWS provider or API (its `source`) that `terraform plan` does not catch and that
breaks an apply halfway.

A check sees one resource and the whole document of its stack (`resource.document`); it follows `${}`
references through `policies/contract.py` and orders resources by references and `depends_on`. Facts
that span stacks are encoded as what one stack shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..base import Policy, Resource, Severity, as_blocks, as_list
from ..contract import parse_reference, references_in, remote_output, resources
from .aws import statements
from .cluster_policies import definition, pinned_pools, pool_tags

CHANGE = {"soc2": ("CC8.1",), "iso27001": ("A.8.32",)}
ROLE_OR_USER_ARN = re.compile(
    r"^arn:aws[\w-]*:iam::[^:]*:(?P<kind>role|user)/(?:[\w+=,.@-]+/)*(?P<name>[^/]+)$"
)


def _address(type_: str, name: str, data: bool = False) -> str:
    return f"{'data.' if data else ''}{type_}.{name}"


class _Graph:
    """Which resource (or data source) of one document is created or read after which."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._edges: dict[str, set[str]] = {}
        for kind, prefix in (("resource", ""), ("data", "data.")):
            for type_, name, body in resources(document, kind):
                after = {ref.address for ref in references_in(body)}
                after.update(
                    str(item).removeprefix("${").removesuffix("}") for item in as_list(body.get("depends_on"))
                )
                self._edges[f"{prefix}{type_}.{name}"] = after

    def waits_for(self, start: str, target: str) -> bool:
        """True when `start` is created (or read) after `target`, directly or through others."""
        seen, stack = set(), [start]
        while stack:
            for following in self._edges.get(stack.pop(), ()):
                if following == target:
                    return True
                if following not in seen:
                    seen.add(following)
                    stack.append(following)
        return False


def _graph(resource: Resource) -> _Graph:
    return _Graph(resource.document)


def _of_type(resource: Resource, type_: str, kind: str = "resource") -> dict[str, dict[str, Any]]:
    return {name: body for t, name, body in resources(resource.document, kind) if t == type_}


def _literal(value: Any) -> bool:
    return isinstance(value, str) and "${" not in value


class PrincipalNotYetCreated(Policy):
    id = "LKW_DEPLOY_001"
    name = (
        "Policy principals exist when the policy is written: no role names itself or a role not yet created"
    )
    severity = Severity.HIGH
    resource_types = (
        "aws_iam_role",
        "aws_kms_key",
        "aws_kms_key_policy",
        "aws_s3_bucket_policy",
        "aws_vpc_endpoint",
        "aws_vpc_endpoint_policy",
    )
    rationale = (
        "IAM, KMS and S3 refuse a policy whose principal does not exist yet (Invalid principal in policy)."
    )
    remediation = (
        "Reference the role (${aws_iam_role.<name>.arn}) so Terraform creates it first; for a role that "
        "assumes itself, trust the account root with an ArnLike aws:PrincipalArn condition naming the role."
    )
    source = "https://repost.aws/knowledge-center/kms-policy-error-invalid-principals"
    soc2, iso27001 = CHANGE["soc2"], CHANGE["iso27001"]

    def problems(self, resource: Resource) -> Iterator[str]:
        attribute = "assume_role_policy" if resource.type == "aws_iam_role" else "policy"
        found = statements(resource, attribute)
        if not found:
            return
        own_name = resource.get("name") if resource.type == "aws_iam_role" else None
        created = {
            str(body.get("name")): _address(kind, name)
            for kind in ("aws_iam_role", "aws_iam_user")
            for name, body in _of_type(resource, kind).items()
            if _literal(body.get("name"))
        }
        graph = _graph(resource)
        for statement in found:
            for principal in statement.principals.get("AWS", []):
                yield from self._principal(resource, principal, own_name, created, graph)

    def _principal(
        self, resource: Resource, principal: str, own_name: Any, created: dict[str, str], graph: _Graph
    ) -> Iterator[str]:
        reference = next(iter(references_in(principal)), None)
        if reference and reference.address == resource.address:
            yield f"the policy names the role itself ({principal}): a role cannot reference its own ARN"
            return
        match = ROLE_OR_USER_ARN.match(principal)
        if not match or not _literal(match["name"]):
            return
        name = match["name"]
        if resource.type == "aws_iam_role" and name == own_name:
            yield (
                f"the trust policy names the role itself by ARN ({principal}); IAM refuses it because the "
                "role does not exist yet: trust the account root with ArnLike aws:PrincipalArn instead"
            )
        elif name in created and not graph.waits_for(resource.address, created[name]):
            yield (
                f"names {created[name]} by the literal ARN {principal}, with no reference or depends_on: the "
                "policy can be written before the role exists"
            )


# (consumer type, attribute, producer type, producer attribute, whether the producer may come after)
NAMED_BY_LITERAL: tuple[tuple[str, str, str, str, bool], ...] = (
    ("databricks_mws_credentials", "role_arn", "aws_iam_role", "name", False),
    # The provider's documented order creates the storage credential first; the role then trusts it.
    ("databricks_storage_credential", "aws_iam_role.role_arn", "aws_iam_role", "name", True),
    ("databricks_mws_storage_configurations", "bucket_name", "aws_s3_bucket", "bucket", False),
    ("databricks_external_location", "credential_name", "databricks_storage_credential", "name", False),
    ("databricks_schema", "catalog_name", "databricks_catalog", "name", False),
    ("databricks_workspace_binding", "securable_name", "databricks_catalog", "name", False),
    ("databricks_policy_info", "on_securable_fullname", "databricks_catalog", "name", False),
    ("databricks_grants", "catalog", "databricks_catalog", "name", False),
    ("databricks_grants", "external_location", "databricks_external_location", "name", False),
    ("databricks_grants", "storage_credential", "databricks_storage_credential", "name", False),
    ("databricks_secret_acl", "scope", "databricks_secret_scope", "name", False),
    ("databricks_secret", "scope", "databricks_secret_scope", "name", False),
    ("databricks_mws_customer_managed_keys", "aws_key_info.key_alias", "aws_kms_alias", "name", False),
    ("aws_iam_role_policy", "role", "aws_iam_role", "name", False),
    ("aws_iam_role_policy_attachment", "role", "aws_iam_role", "name", False),
    ("aws_iam_instance_profile", "role", "aws_iam_role", "name", False),
    *(
        (f"aws_s3_bucket_{kind}", "bucket", "aws_s3_bucket", "bucket", False)
        for kind in (
            "policy",
            "versioning",
            "public_access_block",
            "ownership_controls",
            "server_side_encryption_configuration",
            "lifecycle_configuration",
            "logging",
            "acl",
            "notification",
        )
    ),
    ("aws_s3_bucket_logging", "target_bucket", "aws_s3_bucket", "bucket", False),
)


class LiteralNameOfSameConfigResource(Policy):
    id = "LKW_DEPLOY_002"
    name = "Resources created in the same configuration are named by reference, so Terraform orders them"
    severity = Severity.HIGH
    resource_types = tuple(dict.fromkeys(row[0] for row in NAMED_BY_LITERAL))
    rationale = (
        "A literal name or ARN hides the dependency: Terraform may create the user before the thing it names."
    )
    remediation = "Use the producer's attribute (${type.name.attribute}) or add it to depends_on."
    source = "https://developer.hashicorp.com/terraform/language/meta-arguments/depends_on"
    soc2, iso27001 = CHANGE["soc2"], CHANGE["iso27001"]

    def problems(self, resource: Resource) -> Iterator[str]:
        graph = _graph(resource)
        for consumer, attribute, producer, key, reverse_ok in NAMED_BY_LITERAL:
            if consumer != resource.type:
                continue
            value = resource.get(attribute)
            if not _literal(value):
                continue
            for name, body in _of_type(resource, producer).items():
                produced = body.get(key)
                if not _literal(produced) or not _names(value, str(produced), producer):
                    continue
                target = _address(producer, name)
                if graph.waits_for(resource.address, target):
                    continue
                if reverse_ok and graph.waits_for(target, resource.address):
                    continue
                yield (
                    f"{attribute} names {target} ({value}) by a literal, with no reference or depends_on: "
                    "it can be created before that resource exists"
                )


def _names(value: str, produced: str, producer: str) -> bool:
    """Whether a literal attribute value names the producer's literal name."""
    if producer == "aws_iam_role":
        match = ROLE_OR_USER_ARN.match(value)
        return bool(match and match["kind"] == "role" and match["name"] == produced)
    return value == produced


# Attributes a cluster on an instance pool takes from the pool: setting them alongside a pool fails.
POOL_OWNED = (
    "aws_attributes.availability",
    "aws_attributes.zone_id",
    "aws_attributes.spot_bid_price_percent",
    "aws_attributes.first_on_demand",
    "aws_attributes.ebs_volume_type",
    "aws_attributes.ebs_volume_count",
    "aws_attributes.ebs_volume_size",
    "node_type_id",
    "driver_node_type_id",
)


class PoolConflict(Policy):
    id = "LKW_DEPLOY_003"
    name = "Clusters on an instance pool leave the pool's attributes and tag keys to the pool"
    severity = Severity.HIGH
    resource_types = ("databricks_cluster_policy", "databricks_cluster", "databricks_job")
    rationale = (
        "With an instance pool, aws_attributes and node types come from the pool, and a cluster may not "
        "set a pool's tag key."
    )
    remediation = (
        "In a pool-pinned policy make node types and aws_attributes.* forbidden (or drop them) and drop "
        "custom_tags.<key> rules for keys the pool's custom_tags set; likewise on pool clusters."
    )
    source = "https://github.com/databricks/terraform-provider-databricks/pull/2242"
    soc2, iso27001 = CHANGE["soc2"], CHANGE["iso27001"]

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.type == "databricks_cluster_policy":
            yield from self._policy(resource)
            return
        clusters = (
            [("", resource.attributes)]
            if resource.type == "databricks_cluster"
            else [
                (f"{block}[{index}].new_cluster.", cluster)
                for block in ("job_cluster", "task")
                for index, item in enumerate(as_blocks(resource.get(block)))
                for cluster in as_blocks(item.get("new_cluster"))
            ]
        )
        for where, cluster in clusters:
            yield from self._cluster(resource, where, Resource(resource.type, resource.name, cluster))

    def _policy(self, resource: Resource) -> Iterator[str]:
        rules = definition(resource)
        if rules is None:
            return
        pools = pinned_pools(rules)
        if not pools:
            return
        for key in POOL_OWNED:
            rule = rules.get(key)
            if isinstance(rule, dict) and rule.get("type") != "forbidden":
                yield f"the policy pins an instance pool and also sets {key}, which the pool decides"
        inherited = pool_tags(resource, pools)
        for key, rule in rules.items():
            tag = key.removeprefix("custom_tags.")
            if key.startswith("custom_tags.") and tag in inherited and rule.get("type") != "forbidden":
                yield f"custom_tags.{tag} is also a tag key of the pinned pool: clusters would fail to start"

    def _cluster(self, resource: Resource, where: str, cluster: Resource) -> Iterator[str]:
        pools = [
            cluster.get(key) for key in ("instance_pool_id", "driver_instance_pool_id") if cluster.get(key)
        ]
        if not pools:
            return
        for key in POOL_OWNED:
            if cluster.get(key) is not None:
                yield f"{where}{key} is set on a cluster that uses an instance pool"
        inherited = pool_tags(resource, pools)
        for tag in cluster.tags():
            if tag in inherited:
                yield f"{where}custom_tags.{tag} is also a tag key of its pool"


# The API's ComplianceStandard enumeration (databricks-sdk-go service/settings); SOC 2 is not one.
COMPLIANCE_STANDARDS = (
    "CANADA_PROTECTED_B",
    "CYBER_ESSENTIAL_PLUS",
    "FEDRAMP_HIGH",
    "FEDRAMP_IL5",
    "FEDRAMP_MODERATE",
    "GERMANY_C5",
    "GERMANY_TISAX",
    "HIPAA",
    "HITRUST",
    "IRAP_PROTECTED",
    "ISMAP",
    "ITAR_EAR",
    "K_FSI",
    "NONE",
    "PCI_DSS",
)
# (type, attribute path with [] for "each block", allowed values, documentation)
ENUMERATIONS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "databricks_compliance_security_profile_workspace_setting",
        "compliance_security_profile_workspace.compliance_standards",
        COMPLIANCE_STANDARDS,
        "https://docs.databricks.com/api/workspace/compliancesecurityprofile/update",
    ),
    (
        "databricks_mws_private_access_settings",
        "private_access_level",
        ("ACCOUNT", "ENDPOINT"),
        "https://docs.databricks.com/api/account/privateaccess/create",
    ),
    (
        "databricks_mws_workspaces",
        "pricing_tier",
        ("STANDARD", "PREMIUM", "ENTERPRISE"),
        "https://docs.databricks.com/api/account/workspaces/create",
    ),
    (
        "databricks_mws_log_delivery",
        "log_type",
        ("AUDIT_LOGS", "BILLABLE_USAGE"),
        "https://docs.databricks.com/api/account/logdelivery/create",
    ),
    (
        "databricks_mws_customer_managed_keys",
        "use_cases",
        ("STORAGE", "MANAGED_SERVICES"),
        "https://docs.databricks.com/api/account/encryptionkeys/create",
    ),
    (
        "databricks_mws_permission_assignment",
        "permissions",
        ("USER", "ADMIN"),
        "https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/mws_permission_assignment",
    ),
    (
        "databricks_instance_pool",
        "aws_attributes.availability",
        ("SPOT", "ON_DEMAND"),
        "https://docs.databricks.com/api/workspace/instancepools/create",
    ),
    (
        "databricks_catalog",
        "isolation_mode",
        ("OPEN", "ISOLATED"),
        "https://docs.databricks.com/api/workspace/catalogs/update",
    ),
    (
        "databricks_storage_credential",
        "isolation_mode",
        ("ISOLATION_MODE_OPEN", "ISOLATION_MODE_ISOLATED"),
        "https://docs.databricks.com/api/workspace/storagecredentials/update",
    ),
    (
        "databricks_external_location",
        "isolation_mode",
        ("ISOLATION_MODE_OPEN", "ISOLATION_MODE_ISOLATED"),
        "https://docs.databricks.com/api/workspace/externallocations/update",
    ),
    (
        "databricks_workspace_binding",
        "binding_type",
        ("BINDING_TYPE_READ_WRITE", "BINDING_TYPE_READ_ONLY"),
        "https://docs.databricks.com/api/workspace/workspacebindings/updatebindings",
    ),
    (
        "databricks_secret_acl",
        "permission",
        ("READ", "WRITE", "MANAGE"),
        "https://docs.databricks.com/api/workspace/secrets/putacl",
    ),
    (
        "databricks_model_serving",
        "config.served_entities[].workload_size",
        ("Small", "Medium", "Large"),
        "https://docs.databricks.com/api/workspace/servingendpoints/create",
    ),
    (
        "databricks_model_serving",
        "ai_gateway.rate_limits[].key",
        ("user", "endpoint", "user_group", "service_principal"),
        "https://docs.databricks.com/api/workspace/servingendpoints/putaigateway",
    ),
    (
        "databricks_model_serving",
        "ai_gateway.rate_limits[].renewal_period",
        ("minute",),
        "https://docs.databricks.com/api/workspace/servingendpoints/putaigateway",
    ),
    (
        "databricks_vector_search_endpoint",
        "endpoint_type",
        ("STANDARD", "STORAGE_OPTIMIZED"),
        "https://docs.databricks.com/api/workspace/vectorsearchendpoints/createendpoint",
    ),
    (
        "databricks_vector_search_index",
        "index_type",
        ("DELTA_SYNC", "DIRECT_ACCESS"),
        "https://docs.databricks.com/api/workspace/vectorsearchindexes/createindex",
    ),
    (
        "databricks_vector_search_index",
        "delta_sync_index_spec.pipeline_type",
        ("TRIGGERED", "CONTINUOUS"),
        "https://docs.databricks.com/api/workspace/vectorsearchindexes/createindex",
    ),
)


class ValueOutsideEnumeration(Policy):
    id = "LKW_DEPLOY_004"
    name = "Enumerated attributes hold values the API accepts"
    severity = Severity.HIGH
    resource_types = tuple(dict.fromkeys(row[0] for row in ENUMERATIONS))
    rationale = (
        "The provider passes enumerated values through unchecked, so a value outside the API's enumeration "
        "fails only at apply."
    )
    remediation = "Use one of the values the API documents for the attribute (listed in the finding)."
    source = "https://docs.databricks.com/api/workspace/compliancesecurityprofile/update"
    soc2, iso27001 = CHANGE["soc2"], CHANGE["iso27001"]

    def problems(self, resource: Resource) -> Iterator[str]:
        for type_, path, allowed, doc in ENUMERATIONS:
            if type_ != resource.type:
                continue
            for value in _values(resource.attributes, path.split(".")):
                if _literal(value) and value not in allowed:
                    yield f"{path.replace('[]', '')} = {value!r} is not one of {', '.join(allowed)} ({doc})"
        if resource.type == "databricks_mws_log_delivery":
            expected = {"AUDIT_LOGS": "JSON", "BILLABLE_USAGE": "CSV"}.get(str(resource.get("log_type")))
            if expected and resource.get("output_format") not in (expected, None):
                yield f"{resource.get('log_type')} is delivered only as output_format = {expected}"


def _values(node: Any, parts: list[str]) -> Iterator[Any]:
    """Leaf values at a dotted path; `name[]` walks each block, one-element block lists are entered."""
    if not parts:
        yield from (node if isinstance(node, list) else [node]) if node is not None else []
        return
    head, rest = parts[0], parts[1:]
    for block in as_blocks(node) if isinstance(node, list) else [node]:
        if not isinstance(block, dict) or head.removesuffix("[]") not in block:
            continue
        child = block[head.removesuffix("[]")]
        if head.endswith("[]") or (isinstance(child, list) and rest):
            for item in as_blocks(child):
                yield from _values(item, rest)
        else:
            yield from _values(child, rest)


# Companions a metastore stack may hold; anything else makes it a per-environment stack.
METASTORE_COMPANIONS = frozenset(
    {"databricks_metastore", "databricks_metastore_data_access", "databricks_grants"}
)
WORKSPACE_SCOPED = frozenset(
    {"databricks_mws_workspaces", "databricks_mws_networks", "databricks_metastore_assignment"}
)


class AccountSingletonPerEnvironment(Policy):
    id = "LKW_DEPLOY_005"
    name = "Account-level singletons are created once, not in a stack every environment applies"
    severity = Severity.HIGH
    resource_types = ("databricks_metastore", "databricks_mws_log_delivery")
    rationale = (
        "An account holds one metastore per region and two unfiltered log deliveries per type; the second "
        "environment's apply is refused."
    )
    remediation = (
        "Create the metastore in a stack of its own applied once per account and region (assign it per "
        "workspace); give each environment's log delivery a workspace_ids_filter of its workspace."
    )
    source = "https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/metastore_assignment"
    soc2, iso27001 = CHANGE["soc2"], CHANGE["iso27001"]

    def problems(self, resource: Resource) -> Iterator[str]:
        types = {type_ for type_, _, _ in resources(resource.document)}
        if resource.type == "databricks_metastore":
            others = sorted(types - METASTORE_COMPANIONS)
            if others:
                yield (
                    "the metastore is created in a stack that also creates "
                    f"{', '.join(others[:3])}: every environment applying it creates another metastore in "
                    f"region {resource.get('region')}"
                )
        elif not as_list(resource.get("workspace_ids_filter")) and types & WORKSPACE_SCOPED:
            yield (
                "account-wide log delivery (no workspace_ids_filter) from a per-workspace stack: each "
                "environment takes one of the two undeletable account-level slots and receives every "
                "workspace's logs"
            )


class RunTimeObjectNotRead(Policy):
    id = "LKW_DEPLOY_006"
    name = (
        "Objects created at run time (model versions, UC functions, index source tables) are read while "
        "planning before use"
    )
    severity = Severity.HIGH
    resource_types = ("databricks_model_serving", "databricks_policy_info", "databricks_vector_search_index")
    rationale = (
        "A served model version, mask function or Delta Sync index's source table is created by a job or a "
        "person, not Terraform; if absent, the apply fails halfway."
    )
    remediation = (
        "Read the object with a data source (databricks_registered_model_versions with a postcondition on "
        "the version; databricks_functions for the function's schema; databricks_tables for the source "
        "table's schema) that waits for no resource (depends_on nothing, or other reads only), and depend "
        "on it; apply the consumer only once the object is registered."
    )
    source = "https://github.com/databricks/mlops-stacks/issues/217"
    soc2, iso27001 = CHANGE["soc2"], CHANGE["iso27001"]

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.type == "databricks_model_serving":
            for entity in (
                *resource.blocks("config.served_entities"),
                *resource.blocks("config.served_models"),
            ):
                name = entity.get("entity_name") or entity.get("model_name")
                if _literal(name) and str(name).count(".") == 2 and not str(name).startswith("system."):
                    yield from self._model(resource, str(name))
        elif resource.type == "databricks_vector_search_index":
            table = resource.get("delta_sync_index_spec.source_table")
            if _literal(table) and str(table).count(".") == 2:
                yield from self._table(resource, str(table))
        else:
            for block in ("column_mask", "row_filter"):
                function = resource.get(f"{block}.function_name")
                if _literal(function) and str(function).count(".") == 2:
                    yield from self._function(resource, str(function))

    def _model(self, resource: Resource, full_name: str) -> Iterator[str]:
        for body in _of_type(resource, "databricks_registered_model").values():
            created = ".".join(str(body.get(k)) for k in ("catalog_name", "schema_name", "name"))
            if created == full_name:
                yield f"serves {full_name}, which this configuration creates without any version"
                return
        readers = [
            _address(type_, name, data=True)
            for type_ in ("databricks_registered_model_versions", "databricks_registered_model")
            for name, body in _of_type(resource, type_, "data").items()
            if body.get("full_name") == full_name and not body.get("depends_on")
        ]
        if not any(_graph(resource).waits_for(resource.address, reader) for reader in readers):
            yield (
                f"serves {full_name}, registered at run time, without a plan-time read of its versions: if "
                "the version is missing the apply fails after the stack's other changes"
            )

    def _table(self, resource: Resource, table: str) -> Iterator[str]:
        # A table listing may wait for other reads (the catalogs list), never for a resource.
        kinds = ("databricks_table", "databricks_tables")
        if not _created_or_read(resource, table, *kinds, reads_may_wait=True):
            yield (
                f"indexes {table}, made at run time, without creating it here or reading it while "
                "planning: if it is missing the index fails at apply, after the stack's other changes"
            )

    def _function(self, resource: Resource, function: str) -> Iterator[str]:
        if not _created_or_read(resource, function, "databricks_function", "databricks_functions"):
            yield (
                f"uses the function {function}, created at run time, without creating it here or reading it "
                "while planning: if it is missing the apply fails after the stack's other changes"
            )


BUILT_IN_GROUPS = frozenset({"users", "admins"})
PRINCIPAL_LOOKUPS = {
    "databricks_group": "display_name",
    "databricks_user": "user_name",
    "databricks_service_principal": "application_id",
}
WORKSPACE_IDENTITIES = frozenset({"databricks_group", "databricks_user", "databricks_service_principal"})


class PrincipalNotAssigned(Policy):
    id = "LKW_DEPLOY_007"
    name = "Principals in workspace ACLs are assigned to the workspace before the ACL is applied"
    severity = Severity.HIGH
    resource_types = ("databricks_permissions", "databricks_secret_acl")
    rationale = (
        "In an identity-federated workspace an account group, user or service principal must be assigned "
        "to the workspace before an ACL names it."
    )
    remediation = (
        "Look the principal up in the account (data databricks_group) and assign it "
        "(databricks_mws_permission_assignment) in this stack, and make the ACL depend on the assignment."
    )
    source = "https://github.com/databricks/terraform-provider-databricks/issues/1458"
    soc2, iso27001 = CHANGE["soc2"], CHANGE["iso27001"]

    def problems(self, resource: Resource) -> Iterator[str]:
        principals = (
            [resource.get("principal")]
            if resource.type == "databricks_secret_acl"
            else [
                block.get(key)
                for block in resource.blocks("access_control")
                for key in ("group_name", "user_name", "service_principal_name")
                if block.get(key)
            ]
        )
        assigned = self._assignments(resource)
        graph = _graph(resource)
        for principal in principals:
            if not isinstance(principal, str) or principal in BUILT_IN_GROUPS or remote_output(principal):
                continue
            reference = parse_reference(principal)
            if reference and not reference.data and reference.type in WORKSPACE_IDENTITIES:
                continue  # created in the workspace, so it is in the workspace
            key = reference.address if reference and reference.data else principal
            assignments = assigned.get(key, [])
            if not assignments:
                yield (
                    f"{principal} is not assigned to the workspace in this stack "
                    "(databricks_mws_permission_assignment)"
                )
            elif not any(graph.waits_for(resource.address, a) for a in assignments):
                yield f"{principal} is assigned to the workspace, but the ACL does not wait for it"

    @staticmethod
    def _assignments(resource: Resource) -> dict[str, list[str]]:
        """Assignment addresses by the principal they assign: its name and its data source address."""
        lookups = {
            _address(type_, name, data=True): body.get(attribute)
            for type_, attribute in PRINCIPAL_LOOKUPS.items()
            for name, body in _of_type(resource, type_, "data").items()
        }
        found: dict[str, list[str]] = {}
        for name, body in _of_type(resource, "databricks_mws_permission_assignment").items():
            reference = parse_reference(body.get("principal_id"))
            if reference is None or not reference.data or reference.address not in lookups:
                continue
            address = _address("databricks_mws_permission_assignment", name)
            found.setdefault(reference.address, []).append(address)
            principal = lookups[reference.address]
            if isinstance(principal, str):
                found.setdefault(principal, []).append(address)
        return found


class PrivateWorkspaceUnreachable(Policy):
    id = "LKW_DEPLOY_008"
    name = "A workspace without public access is reachable through a registered front-end endpoint"
    severity = Severity.HIGH
    resource_types = ("databricks_mws_private_access_settings",)
    rationale = (
        "Public access off with only back-end endpoints leaves nothing outside the VPC, the provider that "
        "polls the new workspace included, able to reach it."
    )
    remediation = (
        "Register the transit VPC's front-end endpoint (databricks_mws_vpc_endpoint) and list it in "
        "allowed_vpc_endpoint_ids, or keep public access on behind an IP access list."
    )
    source = "https://docs.databricks.com/api/account/privateaccess/create"
    soc2, iso27001 = CHANGE["soc2"], CHANGE["iso27001"]

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("public_access_enabled") is not False:
            return
        back_end = {
            ref.address
            for body in _of_type(resource, "databricks_mws_networks").values()
            for ref in references_in(body.get("vpc_endpoints"))
        }
        allowed = [ref.address for ref in references_in(resource.get("allowed_vpc_endpoint_ids"))]
        literal = [value for value in as_list(resource.get("allowed_vpc_endpoint_ids")) if _literal(value)]
        if resource.get("private_access_level") == "ACCOUNT":
            registered = [
                _address("databricks_mws_vpc_endpoint", name)
                for name in _of_type(resource, "databricks_mws_vpc_endpoint")
            ]
            if not [address for address in registered if address not in back_end]:
                yield "public access is off and the account registers no front-end endpoint in this stack"
        elif not literal and not [address for address in allowed if address not in back_end]:
            yield (
                "public access is off and allowed_vpc_endpoint_ids lists only back-end endpoints: nothing "
                "outside the workspace VPC can reach the workspace"
            )


def _created_or_read(
    resource: Resource, full_name: str, kind: str, listing: str, *, reads_may_wait: bool = False
) -> bool:
    """Whether `resource` waits for the Unity Catalog object `full_name` (catalog.schema.name): a `kind`
    resource creating it, or a plan-time `listing` data source over its schema that depends on nothing
    (or, with `reads_may_wait`, on other data sources only)."""
    catalog, schema, name = full_name.split(".")
    created = [
        _address(kind, key)
        for key, body in _of_type(resource, kind).items()
        if (body.get("catalog_name"), body.get("schema_name"), body.get("name")) == (catalog, schema, name)
    ]

    def plan_time(body: dict) -> bool:
        after = as_list(body.get("depends_on"))
        if reads_may_wait:
            return all(str(item).removeprefix("${").startswith("data.") for item in after)
        return not after

    readers = [
        _address(listing, key, data=True)
        for key, body in _of_type(resource, listing, "data").items()
        if (body.get("catalog_name"), body.get("schema_name")) == (catalog, schema) and plan_time(body)
    ]
    graph = _graph(resource)
    return any(graph.waits_for(resource.address, target) for target in (*created, *readers))
