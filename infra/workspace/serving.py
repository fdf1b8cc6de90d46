"""Model serving behind an AI gateway, and the vector search endpoint the retriever queries.

Every endpoint autoscales between configured concurrency bounds, scales to zero only outside
production, and has rate limits, usage tracking, inference tables and input/output guardrails.
"""

from __future__ import annotations

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
from cdktn_provider_databricks.vector_search_endpoint import VectorSearchEndpoint
from constructs import Construct

from lakeward.infra.config import Environment, ServingEndpointConfig


class ServingLayer(Construct):
    """Serving endpoints and the vector search endpoint, with who may query or manage them."""

    def __init__(
        self, scope: Construct, id_: str, *, env: Environment, inference_schema: str, budget_policy_id: str
    ) -> None:
        super().__init__(scope, id_)
        self._budget_policy_id = budget_policy_id
        self.endpoints = [
            self._endpoint(env, endpoint, inference_schema) for endpoint in env.serving.endpoints
        ]
        self.vector_search = VectorSearchEndpoint(
            self,
            "vector-search",
            name=env.serving.vector_search_endpoint,
            endpoint_type="STANDARD",
            budget_policy_id=budget_policy_id,
        )
        Permissions(
            self,
            "vector-search-permissions",
            vector_search_endpoint_id=self.vector_search.endpoint_id,
            access_control=[
                PermissionsAccessControl(group_name=env.groups.admins, permission_level="CAN_MANAGE"),
                PermissionsAccessControl(group_name=env.groups.engineers, permission_level="CAN_USE"),
            ],
        )

    def _endpoint(
        self, env: Environment, endpoint: ServingEndpointConfig, inference_schema: str
    ) -> ModelServing:
        serving = ModelServing(
            self,
            f"endpoint-{endpoint.name}",
            name=endpoint.name,
            budget_policy_id=self._budget_policy_id,
            config=ModelServingConfigA(
                served_entities=[
                    ModelServingConfigServedEntities(
                        name=f"{endpoint.name}-v{endpoint.entity_version}",
                        entity_name=endpoint.entity,
                        entity_version=endpoint.entity_version,
                        scale_to_zero_enabled=not env.is_production,
                        min_provisioned_concurrency=endpoint.min_concurrency,
                        max_provisioned_concurrency=endpoint.max_concurrency,
                    )
                ]
            ),
            ai_gateway=ModelServingAiGateway(
                rate_limits=[
                    ModelServingAiGatewayRateLimits(
                        key="user", calls=endpoint.calls_per_user_per_minute, renewal_period="minute"
                    ),
                    ModelServingAiGatewayRateLimits(
                        key="endpoint", calls=endpoint.calls_per_endpoint_per_minute, renewal_period="minute"
                    ),
                ],
                usage_tracking_config=ModelServingAiGatewayUsageTrackingConfig(enabled=True),
                inference_table_config=ModelServingAiGatewayInferenceTableConfig(
                    enabled=True,
                    catalog_name=env.catalog.name,
                    schema_name=inference_schema,
                    table_name_prefix=endpoint.name.replace("-", "_"),
                ),
                guardrails=ModelServingAiGatewayGuardrails(
                    input=ModelServingAiGatewayGuardrailsInput(
                        pii=ModelServingAiGatewayGuardrailsInputPii(behavior="BLOCK"),
                        safety=True,
                        invalid_keywords=env.serving.blocked_keywords or None,
                    ),
                    output=ModelServingAiGatewayGuardrailsOutput(
                        pii=ModelServingAiGatewayGuardrailsOutputPii(behavior="BLOCK"),
                        safety=True,
                    ),
                ),
            ),
            tags=[ModelServingTags(key=key, value=value) for key, value in env.resource_tags().items()],
        )
        Permissions(
            self,
            f"endpoint-{endpoint.name}-permissions",
            serving_endpoint_id=serving.serving_endpoint_id,
            access_control=[
                PermissionsAccessControl(group_name=env.groups.admins, permission_level="CAN_MANAGE"),
                PermissionsAccessControl(group_name=env.groups.engineers, permission_level="CAN_VIEW"),
                PermissionsAccessControl(group_name=env.groups.readers, permission_level="CAN_QUERY"),
            ],
        )
        return serving
