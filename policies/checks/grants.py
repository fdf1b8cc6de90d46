"""Unity Catalog grants: broad groups read at most, privileges go to groups rather than people."""

from __future__ import annotations

from collections.abc import Iterator

from ..base import Policy, Resource, Severity, as_list
from .secrets import is_broad

READ_ONLY = {"USE_CATALOG", "USE_SCHEMA", "SELECT", "BROWSE", "EXECUTE", "READ_VOLUME", "USE_CONNECTION"}


def grants(resource: Resource) -> Iterator[tuple[str, list[str]]]:
    for block in resource.blocks("grant"):
        yield str(block.get("principal", "")), [str(p) for p in as_list(block.get("privileges"))]


class GrantsNoAdminToBroadGroups(Policy):
    id = "LKW_DBX_040"
    name = "No ALL_PRIVILEGES or MANAGE for account users or users"
    severity = Severity.CRITICAL
    resource_types = ("databricks_grants",)
    rationale = "ALL_PRIVILEGES or MANAGE for everyone turns a governed catalog into a shared folder."
    remediation = "Grant ALL_PRIVILEGES and MANAGE only to the owning admin group."
    soc2 = ("CC6.1", "CC6.3")
    iso27001 = ("A.5.15", "A.5.18", "A.8.2")
    hipaa = ("164.312(a)(1)",)

    def problems(self, resource: Resource) -> Iterator[str]:
        for principal, privileges in grants(resource):
            bad = sorted({"ALL_PRIVILEGES", "MANAGE"} & set(privileges))
            if is_broad(principal) and bad:
                yield f"{', '.join(bad)} granted to '{principal}'"


class GrantsBroadGroupsReadOnly(Policy):
    id = "LKW_DBX_041"
    name = "Broad groups get read-only privileges at most"
    severity = Severity.HIGH
    resource_types = ("databricks_grants",)
    rationale = "Write or create privileges for every user defeat least privilege on governed data."
    remediation = f"Give account users / users only {', '.join(sorted(READ_ONLY))}; grant writes to a group."
    soc2 = ("CC6.3",)
    iso27001 = ("A.5.15", "A.8.3")
    hipaa = ("164.312(a)(1)", "164.312(c)(1)")

    def problems(self, resource: Resource) -> Iterator[str]:
        for principal, privileges in grants(resource):
            writes = sorted(set(privileges) - READ_ONLY)
            if is_broad(principal) and writes:
                yield f"'{principal}' is granted {', '.join(writes)}"


class GrantsToGroups(Policy):
    id = "LKW_DBX_042"
    name = "Grants go to groups or service principals, not individual users"
    severity = Severity.MEDIUM
    resource_types = ("databricks_grants",)
    rationale = "Grants to people outlive their role; group membership is reviewed and revoked in one place."
    remediation = "Replace user e-mail principals with the account group that holds the role."
    soc2 = ("CC6.2", "CC6.3")
    iso27001 = ("A.5.15", "A.5.18")
    hipaa = ("164.312(a)(1)",)

    def problems(self, resource: Resource) -> Iterator[str]:
        for principal, _ in grants(resource):
            if "@" in principal:
                yield f"grant to the individual user '{principal}'"
