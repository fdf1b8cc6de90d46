"""Model serving behind an AI gateway.

Every endpoint autoscales between configured concurrency bounds, scales to zero only outside
production, and has rate limits, usage tracking, inference tables and input/output guardrails.

A served model version is registered at run time (`lakeward release`), never by Terraform: each
endpoint first reads it (`registered_version`) while planning, so a missing version stops the plan
instead of failing the apply halfway. The platform's endpoints live in the serving stack, applied once
the version exists.
"""

from __future__ import annotations

from cdktn import Postcondition, TerraformResourceLifecycle
from cdktn_provider_databricks.data_databricks_registered_model_versions import (
    DataDatabricksRegisteredModelVersions,
)
from cdktn_provider_databricks.model_serving import (
    ModelServing,
    ModelServingAiGateway,
    ModelServingAiGatewayGuardrails,
    ModelServingAiGatewayGuardrailsInput,
    ModelServingAiGatewayGuardrailsInputPii,
    ModelServingAiGatewayGuardrailsOutput,
    ModelServingAiGatewayGuardrailsOutputPii,
    ModelServingAiGatewayInferenceTableConfig,
    ModelServingAiGatewayRateLimits,
    ModelServingAiGatewayUsageTrackingConfig,
    ModelServingConfigA,
    ModelServingConfigServedEntities,
    ModelServingTags,
)
from cdktn_provider_databricks.permissions import Permissions, PermissionsAccessControl
from constructs import Construct

from infra.config import Environment, ServingEndpointConfig
from infra.text import literal


def per_minute(key: str, calls: int, principal: str | None = None) -> ModelServingAiGatewayRateLimits:
    """An AI gateway rate limit of `calls` a minute per user, user group (`principal`) or endpoint."""
    return ModelServingAiGatewayRateLimits(key=key, principal=principal, calls=calls, renewal_period="minute")


def ai_gateway(
    *,
    rate_limits: list[ModelServingAiGatewayRateLimits],
    catalog: str,
    schema: str,
    table_prefix: str,
    blocked_keywords: list[str] | None = None,
) -> ModelServingAiGateway:
    """The gateway every endpoint gets: its rate limits, usage tracking, an inference table in
    `catalog.schema`, and PII and safety guardrails on input and output. Blocked keywords are free text
    (`${jndi:` is a fair one to block), so they are written escaped."""
    return ModelServingAiGateway(
        rate_limits=rate_limits,
        usage_tracking_config=ModelServingAiGatewayUsageTrackingConfig(enabled=True),
        inference_table_config=ModelServingAiGatewayInferenceTableConfig(
            enabled=True, catalog_name=catalog, schema_name=schema, table_name_prefix=table_prefix
        ),
        guardrails=ModelServingAiGatewayGuardrails(
            input=ModelServingAiGatewayGuardrailsInput(
                pii=ModelServingAiGatewayGuardrailsInputPii(behavior="BLOCK"),
                safety=True,
                invalid_keywords=[literal(word) for word in blocked_keywords or []] or None,
            ),
            output=ModelServingAiGatewayGuardrailsOutput(
                pii=ModelServingAiGatewayGuardrailsOutputPii(behavior="BLOCK"), safety=True
            ),
        ),
    )


def served_entity(
    *, name: str, entity: str, version: str, production: bool, min_concurrency: int, max_concurrency: int
) -> ModelServingConfigA:
    """One Unity Catalog model between concurrency bounds; it scales to zero only outside production."""
    return ModelServingConfigA(
        served_entities=[
            ModelServingConfigServedEntities(
                name=name,
                entity_name=entity,
                entity_version=version,
                scale_to_zero_enabled=not production,
                min_provisioned_concurrency=min_concurrency,
                max_provisioned_concurrency=max_concurrency,
            )
        ]
    )


def registered_version(
    scope: Construct, id_: str, *, full_name: str, version: str
) -> DataDatabricksRegisteredModelVersions:
    """Read a Unity Catalog model's versions while planning; the plan stops unless `version` exists."""
    return DataDatabricksRegisteredModelVersions(
        scope,
        id_,
        full_name=full_name,
        lifecycle=TerraformResourceLifecycle(
            postcondition=[
                Postcondition(
                    condition="${contains([for v in self.model_versions : tostring(v.version)], "
                    f'"{version}")}}',
                    error_message=f"{full_name} has no version {version}: register it (lakeward release) "
                    "before applying the endpoint that serves it",
                )
            ]
        ),
    )


class ServingEndpoints(Construct):
    """The environment's model serving endpoints, each after a plan-time read of the version it serves;
    `groups` maps admins, engineers and readers to the names their ACLs use."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        inference_schema: str,
        budget_policy_id: str,
        groups: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        self._budget_policy_id = budget_policy_id
        self._groups = groups
        self.endpoints = [
            self._endpoint(env, endpoint, inference_schema) for endpoint in env.serving.endpoints
        ]

    def _endpoint(
        self, env: Environment, endpoint: ServingEndpointConfig, inference_schema: str
    ) -> ModelServing:
        version = registered_version(
            self,
            f"endpoint-{endpoint.name}-version",
            full_name=endpoint.entity,
            version=endpoint.entity_version,
        )
        serving = ModelServing(
            self,
            f"endpoint-{endpoint.name}",
            name=endpoint.name,
            budget_policy_id=self._budget_policy_id,
            config=served_entity(
                name=f"{endpoint.name}-v{endpoint.entity_version}",
                entity=endpoint.entity,
                version=endpoint.entity_version,
                production=env.is_production,
                min_concurrency=endpoint.min_concurrency,
                max_concurrency=endpoint.max_concurrency,
            ),
            ai_gateway=ai_gateway(
                rate_limits=[
                    per_minute("user", endpoint.calls_per_user_per_minute),
                    per_minute("endpoint", endpoint.calls_per_endpoint_per_minute),
                ],
                catalog=env.catalog.name,
                schema=inference_schema,
                table_prefix=endpoint.name.replace("-", "_"),
                blocked_keywords=env.serving.blocked_keywords,
            ),
            tags=[ModelServingTags(key=key, value=value) for key, value in env.resource_tags().items()],
            depends_on=[version],
        )
        groups = self._groups
        Permissions(
            self,
            f"endpoint-{endpoint.name}-permissions",
            serving_endpoint_id=serving.serving_endpoint_id,
            access_control=[
                PermissionsAccessControl(group_name=groups["admins"], permission_level="CAN_MANAGE"),
                PermissionsAccessControl(group_name=groups["engineers"], permission_level="CAN_VIEW"),
                PermissionsAccessControl(group_name=groups["readers"], permission_level="CAN_QUERY"),
            ],
        )
        return serving
