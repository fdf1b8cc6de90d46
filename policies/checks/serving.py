"""Model serving and vector search: gateway limits, logging, guardrails, bounded and attributable spend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..base import Policy, Resource, Severity, is_true

SERVING = ("databricks_model_serving",)
PROTECTIVE = {"BLOCK", "MASK"}


def is_production(resource: Resource) -> bool:
    """Production by the resource's `Tier` tag, else its `Environment` tag (prod, production, prod-*)."""
    tags = {key.lower(): value.strip().lower() for key, value in resource.tags().items()}
    tier = tags.get("tier") or tags.get("environment", "")
    return tier in ("prod", "production") or tier.startswith("prod-")


def served_entities(resource: Resource) -> list[dict[str, Any]]:
    return resource.blocks("config.served_entities") + resource.blocks("config.served_models")


class ServingRateLimits(Policy):
    id = "LKW_DBX_050"
    name = "Serving endpoint's AI gateway limits calls per user and per endpoint"
    severity = Severity.HIGH
    resource_types = SERVING
    rationale = "Without rate limits one caller can exhaust capacity and run up unbounded token spend."
    remediation = "Add ai_gateway.rate_limits for key = user and key = endpoint with renewal_period = minute."
    soc2 = ("A1.1", "CC6.1")
    iso27001 = ("A.8.6",)

    def problems(self, resource: Resource) -> Iterator[str]:
        limits = resource.blocks("ai_gateway.rate_limits")
        for key in ("user", "endpoint"):
            matching = [limit for limit in limits if limit.get("key") == key]
            if not matching:
                yield f"no ai_gateway rate limit with key = {key}"
            for limit in matching:
                # 0 calls a user is the kill switch (only a group limit of the admins gets through), the
                # strictest limit there is; the endpoint limit stays positive so that the admins can.
                floor = 0 if key == "user" else 1
                if not isinstance(limit.get("calls"), int) or limit["calls"] < floor:
                    yield f"the {key} rate limit has no {'positive' if floor else 'non-negative'} calls value"


class ServingInferenceTables(Policy):
    id = "LKW_DBX_051"
    name = "Serving endpoint logs requests and responses to an inference table"
    severity = Severity.HIGH
    resource_types = SERVING
    rationale = "Inference tables are the audit trail of what the model was asked and what it answered."
    remediation = "Set ai_gateway.inference_table_config { enabled = true, catalog_name, schema_name }."
    soc2 = ("CC7.2",)
    iso27001 = ("A.8.15", "A.8.16")
    hipaa = ("164.312(b)",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if not is_true(resource.get("ai_gateway.inference_table_config.enabled")):
            yield "ai_gateway.inference_table_config.enabled is not true"
        for field in ("catalog_name", "schema_name"):
            if not resource.get(f"ai_gateway.inference_table_config.{field}"):
                yield f"ai_gateway.inference_table_config.{field} is not set"


class ServingGuardrails(Policy):
    id = "LKW_DBX_052"
    name = "Serving endpoint blocks or masks PII in prompts and answers"
    severity = Severity.HIGH
    resource_types = SERVING
    rationale = "PII guardrails stop personal data reaching the model and leaking back in answers."
    remediation = "Set ai_gateway.guardrails.input.pii.behavior and output.pii.behavior to BLOCK or MASK."
    soc2 = ("C1.1", "CC6.7")
    iso27001 = ("A.8.11", "A.8.12")
    hipaa = ("164.312(a)(1)", "164.312(c)(1)")

    def problems(self, resource: Resource) -> Iterator[str]:
        for direction in ("input", "output"):
            behavior = resource.get(f"ai_gateway.guardrails.{direction}.pii.behavior")
            if behavior not in PROTECTIVE:
                yield f"guardrails.{direction}.pii.behavior is {behavior!r}, not BLOCK or MASK"


class ServingUsageTracking(Policy):
    id = "LKW_DBX_053"
    name = "Serving endpoint tracks usage per caller"
    severity = Severity.LOW
    resource_types = SERVING
    rationale = "Usage tracking attributes tokens and cost to callers in the system tables."
    remediation = "Set ai_gateway.usage_tracking_config { enabled = true }."
    soc2 = ("CC7.2",)
    iso27001 = ("A.8.16",)
    hipaa = ("164.312(b)",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if not is_true(resource.get("ai_gateway.usage_tracking_config.enabled")):
            yield "ai_gateway.usage_tracking_config.enabled is not true"


class ServingConcurrencyCap(Policy):
    id = "LKW_DBX_054"
    name = "Every served entity caps its provisioned concurrency"
    severity = Severity.MEDIUM
    resource_types = SERVING
    rationale = "An uncapped entity scales with traffic, and so does the bill."
    remediation = "Set max_provisioned_concurrency (>= min_provisioned_concurrency) on each served entity."
    soc2 = ("A1.1",)
    iso27001 = ("A.8.6",)

    def problems(self, resource: Resource) -> Iterator[str]:
        entities = served_entities(resource)
        if not entities:
            yield "no served entities"
        for entity in entities:
            label = entity.get("name") or entity.get("entity_name") or "served entity"
            high, low = (
                entity.get("max_provisioned_concurrency"),
                entity.get("min_provisioned_concurrency", 0),
            )
            if not isinstance(high, int) or high < 1:
                yield f"{label}: max_provisioned_concurrency is not set"
            elif isinstance(low, int) and low > high:
                yield f"{label}: min_provisioned_concurrency {low} exceeds max {high}"


class ServingNoScaleToZeroInProd(Policy):
    id = "LKW_DBX_055"
    name = "Production serving endpoints do not scale to zero"
    severity = Severity.MEDIUM
    resource_types = SERVING
    rationale = "Scale to zero makes the first production request after idle wait minutes for a cold start."
    remediation = "In prod set scale_to_zero_enabled = false and a min_provisioned_concurrency floor."
    soc2 = ("A1.2",)
    iso27001 = ("A.8.14",)

    def applies(self, resource: Resource) -> bool:
        return is_production(resource)

    def problems(self, resource: Resource) -> Iterator[str]:
        for entity in served_entities(resource):
            if entity.get("scale_to_zero_enabled") is not False:
                yield f"{entity.get('name') or 'served entity'}: scale_to_zero_enabled is not false in prod"


class ServingNoPlaintextCredentials(Policy):
    id = "LKW_DBX_056"
    name = "External model credentials come from secrets, never plaintext"
    severity = Severity.CRITICAL
    resource_types = SERVING
    rationale = "A *_plaintext key is written into the Terraform plan and state for anyone who reads them."
    remediation = (
        "Use the matching secret reference ({{secrets/scope/key}}) instead of the *_plaintext field."
    )
    soc2 = ("CC6.1", "CC6.7")
    iso27001 = ("A.5.17", "A.8.24")
    hipaa = ("164.312(d)",)

    def problems(self, resource: Resource) -> Iterator[str]:
        yield from (f"{path} is set" for path in _plaintext_fields(resource.attributes, ""))


def _plaintext_fields(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            here = f"{path}.{key}" if path else key
            if key.endswith("_plaintext") and child not in (None, ""):
                yield here
            yield from _plaintext_fields(child, here)
    elif isinstance(value, list):
        for child in value:
            yield from _plaintext_fields(child, path)


class VectorSearchBudgetPolicy(Policy):
    id = "LKW_DBX_057"
    name = "Vector search endpoint is standard and attributed to a budget policy"
    severity = Severity.LOW
    resource_types = ("databricks_vector_search_endpoint",)
    rationale = "Serverless vector search spend is attributed to a team only through a budget policy."
    remediation = "Set endpoint_type = STANDARD (or STORAGE_OPTIMIZED) and budget_policy_id."
    soc2 = ("A1.1",)
    iso27001 = ("A.8.6", "A.5.9")
    sat = ("DP-14",)

    def problems(self, resource: Resource) -> Iterator[str]:
        if resource.get("endpoint_type") not in ("STANDARD", "STORAGE_OPTIMIZED"):
            yield "endpoint_type is not STANDARD or STORAGE_OPTIMIZED"
        if not resource.get("budget_policy_id"):
            yield "budget_policy_id is not set"
