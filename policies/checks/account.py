"""Account level: private connectivity, customer-managed VPC and keys, audit log delivery."""

from __future__ import annotations

from collections.abc import Iterator

from ..base import Policy, Resource, Severity, as_list, is_false


class PrivateAccessNoPublicAccess(Policy):
    id = "LKW_DBX_001"
    name = "Private access settings admit the workspace only privately, or publicly behind an IP access list"
    severity = Severity.CRITICAL
    resource_types = ("databricks_mws_private_access_settings",)
    rationale = (
        "Public access is either off (front-end PrivateLink) or the hybrid design, where PrivateLink admits "
        "only listed endpoints and the workspace IP access list (LKW_DBX_071, LKW_DBX_075) limits the rest."
    )
    remediation = (
        "Set public_access_enabled = false with a registered front-end endpoint, or keep public access with "
        'private_access_level = "ENDPOINT", allowed_vpc_endpoint_ids and the workspace IP access list.'
    )
    soc2 = ("CC6.1", "CC6.6")
    iso27001 = ("A.8.20", "A.8.22")
    hipaa = ("164.312(a)(1)", "164.312(e)(1)")
    sat = ("NS-3",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if is_false(resource.get("public_access_enabled")):
            return
        if resource.get("private_access_level") != "ENDPOINT":
            yield "public access is on and private_access_level is not ENDPOINT"
        if not as_list(resource.get("allowed_vpc_endpoint_ids")):
            yield "public access is on and no allowed_vpc_endpoint_ids limit PrivateLink access"


class NetworkBothPrivateLinkEndpoints(Policy):
    id = "LKW_DBX_002"
    name = "Workspace network registers both PrivateLink endpoints (REST API and relay)"
    severity = Severity.HIGH
    resource_types = ("databricks_mws_networks",)
    rationale = "Without both back-end endpoints, cluster traffic to the control plane leaves the VPC."
    remediation = (
        "Set vpc_endpoints { rest_api = [...], dataplane_relay = [...] } with the registered endpoints."
    )
    soc2 = ("CC6.6", "CC6.7")
    iso27001 = ("A.8.20", "A.8.21")
    hipaa = ("164.312(e)(1)",)
    sat = ("NS-3",)

    def problems(self, resource: Resource) -> Iterator[str]:
        for kind in ("rest_api", "dataplane_relay"):
            if not as_list(resource.get(f"vpc_endpoints.{kind}")):
                yield f"vpc_endpoints.{kind} is empty"


class NetworkHighlyAvailable(Policy):
    id = "LKW_DBX_003"
    name = "Workspace network spans two or more subnets and has a security group"
    severity = Severity.MEDIUM
    resource_types = ("databricks_mws_networks",)
    rationale = "A customer-managed VPC needs subnets in two zones and a security group Lakeward controls."
    remediation = "List at least two private subnet_ids (one per zone) and the workspace security_group_ids."
    soc2 = ("CC6.6", "A1.2")
    iso27001 = ("A.8.20", "A.8.14")
    hipaa = ("164.312(a)(1)",)
    sat = ("NS-4",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if len(as_list(resource.get("subnet_ids"))) < 2:
            yield "fewer than two subnet_ids"
        if not as_list(resource.get("security_group_ids")):
            yield "no security_group_ids"


class WorkspacePrivateNetwork(Policy):
    id = "LKW_DBX_004"
    name = "Workspace uses a customer-managed VPC and private access settings"
    severity = Severity.HIGH
    resource_types = ("databricks_mws_workspaces",)
    rationale = "A workspace without its own network and private access settings runs on public endpoints."
    remediation = "Set network_id (databricks_mws_networks) and private_access_settings_id on the workspace."
    soc2 = ("CC6.1", "CC6.6")
    iso27001 = ("A.8.20", "A.8.22")
    hipaa = ("164.312(a)(1)", "164.312(e)(1)")
    sat = ("NS-3", "NS-4")

    def problems(self, resource: Resource) -> Iterator[str]:
        for field in ("network_id", "private_access_settings_id"):
            if not resource.get(field):
                yield f"{field} is not set"


class WorkspaceCustomerManagedKeys(Policy):
    id = "LKW_DBX_005"
    name = "Workspace encrypts storage and managed services with customer-managed keys"
    severity = Severity.HIGH
    resource_types = ("databricks_mws_workspaces",)
    rationale = "Customer-managed keys let the organisation revoke Databricks' access to data at rest."
    remediation = "Set storage_customer_managed_key_id and managed_services_customer_managed_key_id."
    soc2 = ("CC6.1", "CC6.7")
    iso27001 = ("A.8.24",)
    hipaa = ("164.312(a)(2)(iv)",)
    sat = ("DP-3",)

    def problems(self, resource: Resource) -> Iterator[str]:
        for field in ("storage_customer_managed_key_id", "managed_services_customer_managed_key_id"):
            if not resource.get(field):
                yield f"{field} is not set"


class CustomerManagedKeyConfigured(Policy):
    id = "LKW_DBX_006"
    name = "Customer-managed key names a KMS key ARN and only known use cases"
    severity = Severity.MEDIUM
    resource_types = ("databricks_mws_customer_managed_keys",)
    rationale = "A key configuration without a key ARN or with an unknown use case encrypts nothing."
    remediation = "Set aws_key_info.key_arn and use_cases to STORAGE and/or MANAGED_SERVICES."
    soc2 = ("CC6.1", "CC6.7")
    iso27001 = ("A.8.24",)
    hipaa = ("164.312(a)(2)(iv)",)
    sat = ("DP-3",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if not resource.get("aws_key_info.key_arn"):
            yield "aws_key_info.key_arn is not set"
        use_cases = {str(case) for case in as_list(resource.get("use_cases"))}
        if not use_cases or not use_cases <= {"STORAGE", "MANAGED_SERVICES"}:
            yield f"use_cases must be STORAGE and/or MANAGED_SERVICES, got {sorted(use_cases)}"


class AuditLogDelivery(Policy):
    id = "LKW_DBX_007"
    name = "Audit logs are delivered as JSON and delivery is enabled"
    severity = Severity.HIGH
    resource_types = ("databricks_mws_log_delivery",)
    rationale = "Audit log delivery is the record of who did what in the account and its workspaces."
    remediation = "Set log_type = AUDIT_LOGS, output_format = JSON and leave status ENABLED."
    soc2 = ("CC7.2",)
    iso27001 = ("A.8.15", "A.8.16")
    hipaa = ("164.312(b)",)
    sat = ("GOV-3",)

    def applies(self, resource: Resource) -> bool:
        return resource.get("log_type") == "AUDIT_LOGS"

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("output_format") != "JSON":
            yield "audit logs must use output_format = JSON"
        if resource.get("status", "ENABLED") != "ENABLED":
            yield "status is not ENABLED"
