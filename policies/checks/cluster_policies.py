"""Cluster policies: the rules are read inside the policy's JSON `definition`.

A security attribute counts as pinned only when the definition fixes it (`fixed`) or restricts it to an
allowlist; a `defaultValue` on an `unlimited` rule is a suggestion users can override.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from ..base import Policy, Resource, Severity, load_json_text
from ..contract import parse_reference
from ..runtimes import runtime_problem

RESOURCE = ("databricks_cluster_policy",)
SECURE_MODES = {
    "USER_ISOLATION",
    "SINGLE_USER",
    "DATA_SECURITY_MODE_STANDARD",
    "DATA_SECURITY_MODE_DEDICATED",
    "DATA_SECURITY_MODE_AUTO",
}
GPU_NODE = re.compile(r"^(g\d|gr\d|p\d|trn\d|inf\d)[a-z0-9-]*\.", re.IGNORECASE)
MAX_AUTOTERMINATION_MINUTES = 120


def definition(resource: Resource) -> dict[str, Any] | None:
    rules = load_json_text(resource.get("definition"))
    return rules if isinstance(rules, dict) else None


def pinned_values(rule: Any) -> list[Any] | None:
    """The values a `fixed` or `allowlist` rule permits; None for any other rule type."""
    if not isinstance(rule, dict):
        return None
    if rule.get("type") == "fixed":
        return [rule.get("value")]
    if rule.get("type") == "allowlist" and isinstance(rule.get("values"), list) and rule["values"]:
        return list(rule["values"])
    return None


def upper_bound(rule: Any) -> float | None:
    """The largest value a `fixed` or `range` rule allows; None when unbounded."""
    if not isinstance(rule, dict):
        return None
    if rule.get("type") == "fixed" and isinstance(rule.get("value"), int | float):
        return float(rule["value"])
    if rule.get("type") == "range" and isinstance(rule.get("maxValue"), int | float):
        return float(rule["maxValue"])
    return None


def lower_bound(rule: Any) -> float | None:
    """The smallest value a `fixed` or `range` rule allows; None when unbounded below."""
    if not isinstance(rule, dict):
        return None
    key = {"fixed": "value", "range": "minValue"}.get(str(rule.get("type")))
    value = rule.get(key) if key else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def pinned_pools(rules: dict[str, Any]) -> list[Any]:
    """The instance pool IDs a policy pins (fixed or allowlisted)."""
    return [
        value
        for key in ("instance_pool_id", "driver_instance_pool_id")
        for value in pinned_values(rules.get(key)) or []
    ]


def pool_tags(resource: Resource, pool_ids: list[Any]) -> dict[str, str]:
    """The custom tags of the pools, declared in the resource's stack, that `pool_ids` reference."""
    tags: dict[str, str] = {}
    pools = resource.document.get("resource", {}).get("databricks_instance_pool", {})
    for value in pool_ids:
        reference = parse_reference(value)
        if reference and reference.type == "databricks_instance_pool" and reference.name in pools:
            tags.update(Resource(reference.type, reference.name, pools[reference.name]).tags())
    return tags


class ClusterPolicyCheck(Policy):
    """A check on one cluster policy definition; an unreadable definition is itself a violation."""

    resource_types = RESOURCE

    def problems(self, resource: Resource) -> Iterator[str]:
        rules = definition(resource)
        if rules is None:
            yield "definition is not literal JSON (build it with json.dumps, not a reference or jsonencode)"
            return
        yield from self.rule_problems(rules)

    def rule_problems(self, rules: dict[str, Any]) -> Iterator[str]:
        raise NotImplementedError


class PolicyAutoTermination(ClusterPolicyCheck):
    id = "LKW_DBX_010"
    name = "Cluster policy bounds auto-termination"
    severity = Severity.MEDIUM
    rationale = "Idle clusters keep credentials, data in memory and spend alive for nobody."
    remediation = (
        "Set autotermination_minutes to fixed, or range with minValue >= 1 and "
        f"maxValue <= {MAX_AUTOTERMINATION_MINUTES}."
    )
    soc2 = ("CC6.1", "A1.1")
    iso27001 = ("A.8.6", "A.8.9")
    hipaa = ("164.312(a)(2)(iii)",)
    sat = ("GOV-4",)

    def rule_problems(self, rules: dict[str, Any]) -> Iterator[str]:
        rule = rules.get("autotermination_minutes")
        high = upper_bound(rule)
        if high is None or high > MAX_AUTOTERMINATION_MINUTES:
            yield f"autotermination_minutes is not capped at {MAX_AUTOTERMINATION_MINUTES} (fixed or range)"
        elif (lower_bound(rule) or 0) < 1:
            yield "autotermination_minutes allows 0 (never terminate)"


class PolicyDataSecurityMode(ClusterPolicyCheck):
    id = "LKW_DBX_011"
    name = "Cluster policy pins a Unity Catalog data security mode"
    severity = Severity.CRITICAL
    rationale = "Without a pinned access mode a user can start a cluster that bypasses Unity Catalog."
    remediation = "Set data_security_mode to fixed (or allowlist) of USER_ISOLATION / SINGLE_USER modes."
    soc2 = ("CC6.1", "CC6.3")
    iso27001 = ("A.5.15", "A.8.3")
    hipaa = ("164.312(a)(1)",)
    sat = ("GOV-12",)

    def rule_problems(self, rules: dict[str, Any]) -> Iterator[str]:
        values = pinned_values(rules.get("data_security_mode"))
        if values is None:
            yield "data_security_mode is not pinned (fixed or allowlist)"
        elif bad := [v for v in values if v not in SECURE_MODES]:
            yield f"data_security_mode allows modes without Unity Catalog isolation: {bad}"


class PolicyRuntimes(ClusterPolicyCheck):
    id = "LKW_DBX_012"
    name = "Cluster policy pins the runtimes to LTS releases still in support"
    severity = Severity.MEDIUM
    rationale = "Unpinned runtimes let clusters run deprecated images that no longer get security fixes."
    remediation = (
        "Set spark_version to fixed or allowlist of LTS runtime keys whose support has not ended "
        "(policies/runtimes.py); no regex, no unlimited."
    )
    soc2 = ("CC7.1", "CC8.1")
    iso27001 = ("A.8.8", "A.8.9")
    hipaa = ("164.312(c)(1)",)
    sat = ("GOV-5",)

    def rule_problems(self, rules: dict[str, Any]) -> Iterator[str]:
        values = pinned_values(rules.get("spark_version"))
        if values is None:
            yield "spark_version is not pinned (fixed or allowlist)"
            return
        today = dt.date.today()
        for value in values:
            if problem := runtime_problem(value, today):
                yield f"spark_version allows {value!r}: {problem}"


class PolicyTags(ClusterPolicyCheck):
    id = "LKW_DBX_013"
    name = "Cluster policy fixes the cost-allocation tags"
    severity = Severity.LOW
    rationale = "Fixed tags attribute every DBU and EC2 hour to an owner and a cost centre."
    remediation = "Add custom_tags.Owner and custom_tags.CostCenter rules of type fixed."
    soc2 = ("CC6.1", "A1.1")
    iso27001 = ("A.5.9", "A.8.6")
    sat = ("GOV-6", "GOV-7")

    def problems(self, resource: Resource) -> Iterator[str]:
        """A policy pinned to a pool of this stack may leave a tag to the pool: its clusters inherit the
        pool's tags and may not set the same keys."""
        rules = definition(resource)
        if rules is None:
            yield from super().problems(resource)
            return
        inherited = pool_tags(resource, pinned_pools(rules))
        for key in ("Owner", "CostCenter"):
            rule = rules.get(f"custom_tags.{key}")
            fixed = isinstance(rule, dict) and rule.get("type") == "fixed" and rule.get("value")
            if not fixed and not inherited.get(key):
                yield f"custom_tags.{key} is not fixed (by the policy or its pinned pool)"


class PolicyWorkerCap(ClusterPolicyCheck):
    id = "LKW_DBX_014"
    name = "Cluster policy caps the number of workers"
    severity = Severity.MEDIUM
    rationale = "An uncapped cluster can exhaust the account's capacity and budget in one click."
    remediation = "Bound autoscale.max_workers and num_workers (range with maxValue, fixed, or forbidden)."
    soc2 = ("A1.1",)
    iso27001 = ("A.8.6",)

    def rule_problems(self, rules: dict[str, Any]) -> Iterator[str]:
        for key in ("autoscale.max_workers", "num_workers"):
            rule = rules.get(key)
            if upper_bound(rule) is None and not (isinstance(rule, dict) and rule.get("type") == "forbidden"):
                yield f"{key} has no upper bound (range with maxValue, fixed, or forbidden)"


class PolicyDbuCap(ClusterPolicyCheck):
    id = "LKW_DBX_015"
    name = "Cluster policy caps DBUs per hour"
    severity = Severity.MEDIUM
    rationale = "A DBU cap bounds spend whatever node types and counts a user picks."
    remediation = "Add a dbus_per_hour rule of type range with a maxValue."
    soc2 = ("A1.1",)
    iso27001 = ("A.8.6",)

    def rule_problems(self, rules: dict[str, Any]) -> Iterator[str]:
        if upper_bound(rules.get("dbus_per_hour")) is None:
            yield "dbus_per_hour has no maxValue"


class PolicyLocalDiskEncryption(ClusterPolicyCheck):
    id = "LKW_DBX_016"
    name = "Cluster policy fixes local disk encryption on"
    severity = Severity.HIGH
    rationale = "Shuffle and spill data on local disks holds copies of the governed tables."
    remediation = 'Add "enable_local_disk_encryption": {"type": "fixed", "value": true}.'
    soc2 = ("CC6.1", "CC6.7")
    iso27001 = ("A.8.24",)
    hipaa = ("164.312(a)(2)(iv)",)
    sat = ("DP-2",)

    def rule_problems(self, rules: dict[str, Any]) -> Iterator[str]:
        if pinned_values(rules.get("enable_local_disk_encryption")) != [True]:
            yield "enable_local_disk_encryption is not fixed to true"


class PolicyNoSsh(ClusterPolicyCheck):
    id = "LKW_DBX_017"
    name = "Cluster policy forbids SSH keys and custom containers"
    severity = Severity.HIGH
    rationale = "SSH keys open a path into cluster nodes around workspace access control and audit."
    remediation = (
        'Add "ssh_public_keys.*": {"type": "forbidden"} and "docker_image.url": {"type": "forbidden"}.'
    )
    soc2 = ("CC6.1", "CC6.8")
    iso27001 = ("A.8.2", "A.8.20")
    hipaa = ("164.312(a)(1)",)
    sat = ("NS-1", "NS-2")

    def rule_problems(self, rules: dict[str, Any]) -> Iterator[str]:
        for key in ("ssh_public_keys.*", "docker_image.url"):
            rule = rules.get(key)
            if not isinstance(rule, dict) or rule.get("type") != "forbidden":
                yield f"{key} is not forbidden"


class PolicyGpuNeedsPool(ClusterPolicyCheck):
    id = "LKW_DBX_018"
    name = "Cluster policy that allows GPU nodes pins an instance pool"
    severity = Severity.MEDIUM
    rationale = "GPU capacity is scarce and costly; a pool caps how many GPU instances exist at once."
    remediation = (
        "Fix instance_pool_id (and driver_instance_pool_id) to the GPU pool instead of node_type_id."
    )
    soc2 = ("A1.1",)
    iso27001 = ("A.8.6",)

    def rule_problems(self, rules: dict[str, Any]) -> Iterator[str]:
        nodes = [v for v in pinned_values(rules.get("node_type_id")) or [] if isinstance(v, str)]
        runtimes = [v for v in pinned_values(rules.get("spark_version")) or [] if isinstance(v, str)]
        gpu = any(GPU_NODE.match(node) for node in nodes) or any("gpu" in runtime for runtime in runtimes)
        if gpu and pinned_values(rules.get("instance_pool_id")) is None:
            yield "GPU nodes are allowed but instance_pool_id is not pinned"
        if (
            pinned_values(rules.get("node_type_id")) is None
            and pinned_values(rules.get("instance_pool_id")) is None
        ):
            yield "node_type_id is open and no instance pool is pinned: users may pick GPU nodes"
