"""Model serving behind an AI gateway.

Every endpoint autoscales between configured concurrency bounds, scales to zero only outside
production, and has rate limits, usage tracking, inference tables and input/output guardrails.

A served model version is registered at run time (`lakeward release`), never by Terraform: each
endpoint first reads it (`registered_version`) while planning, so a missing version stops the plan
instead of failing the apply halfway. The platform's endpoints live in the serving stack, applied once
the version exists, and follow the environment's release file (`releases/<env>.yaml`): its champion,
a challenger with its share of the traffic, and the kill switch. The vector search endpoint lives in
the retrieval stack (`infra/workspace/vector_search.py`).

The kill switch keeps the endpoint and every setting but its rate limits, which admit only the
platform admins (`lakeward.releases.killswitch` says how, with the documented semantics).
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
    ModelServingConfigTrafficConfig,
    ModelServingConfigTrafficConfigRoutes,
    ModelServingTags,
)
from cdktn_provider_databricks.permissions import Permissions, PermissionsAccessControl
from constructs import Construct

from infra.config import Environment, ServingEndpointConfig
from infra.text import literal
from lakeward.releases.killswitch import admitting_only
from lakeward.releases.model import Challenger, ReleaseFile


def per_minute(key: str, calls: int, principal: str | None = None) -> ModelServingAiGatewayRateLimits:
    """An AI gateway rate limit of `calls` a minute per user, user group (`principal`) or endpoint."""
    return ModelServingAiGatewayRateLimits(key=key, principal=principal, calls=calls, renewal_period="minute")


def admins_only(admins: str, admin_calls: int, endpoint_calls: int) -> list[ModelServingAiGatewayRateLimits]:
    """The kill switch's limits (`lakeward.releases.killswitch.admitting_only`): nobody but `admins`
    may call, the endpoint's global limit unchanged so that the admins still get through."""
    return [
        per_minute(limit.key, limit.calls, limit.principal)
        for limit in admitting_only(admins, admin_calls, endpoint_calls)
    ]


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


def served_entities(
    *,
    endpoint: str,
    entity: str,
    champion: str,
    challenger: Challenger | None,
    production: bool,
    min_concurrency: int,
    max_concurrency: int,
) -> ModelServingConfigA:
    """The champion version and a challenger with a route of `traffic_percent` beside the champion's
    (the two sum to 100), each between concurrency bounds; scale to zero only outside production. The
    routes are written even for the champion alone (one route of 100), so that every plan states the
    whole split and none left from a finished canary can outlive it."""
    served = [(champion, 100)]
    if challenger:
        share = challenger.traffic_percent
        served = [(champion, 100 - share), (str(challenger.version), share)]
    entities = [
        ModelServingConfigServedEntities(
            name=f"{endpoint}-v{version}",
            entity_name=entity,
            entity_version=version,
            scale_to_zero_enabled=not production,
            min_provisioned_concurrency=min_concurrency,
            max_provisioned_concurrency=max_concurrency,
        )
        for version, _ in served
    ]
    routes = [
        ModelServingConfigTrafficConfigRoutes(
            served_entity_name=f"{endpoint}-v{version}", traffic_percentage=share
        )
        for version, share in served
    ]
    return ModelServingConfigA(
        served_entities=entities, traffic_config=ModelServingConfigTrafficConfig(routes=routes)
    )


def registered_version(
    scope: Construct, id_: str, *, full_name: str, versions: list[str]
) -> DataDatabricksRegisteredModelVersions:
    """Read a Unity Catalog model's versions while planning; the plan stops unless each of `versions`
    exists."""
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
                for version in versions
            ]
        ),
    )


class ServingEndpoints(Construct):
    """The environment's model serving endpoints that have a champion in `releases`, each after a
    plan-time read of the versions it serves; `groups` maps admins, engineers and readers to the names
    their ACLs use."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        releases: ReleaseFile,
        inference_schema: str,
        budget_policy_id: str,
        groups: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        self._budget_policy_id = budget_policy_id
        self._groups = groups
        self.endpoints = [
            self._endpoint(env, endpoint, releases, inference_schema)
            for endpoint in env.serving.endpoints
            if releases.endpoint(endpoint.name).champion is not None
        ]

    def _endpoint(
        self, env: Environment, endpoint: ServingEndpointConfig, releases: ReleaseFile, inference_schema: str
    ) -> ModelServing:
        release = releases.endpoint(endpoint.name)
        assert release.champion is not None  # filtered by the caller
        champion = str(release.champion.version)
        challenger = release.challenger
        version = registered_version(
            self,
            f"endpoint-{endpoint.name}-version",
            full_name=endpoint.entity,
            versions=[champion, *([str(challenger.version)] if challenger else [])],
        )
        groups = self._groups
        limits = (
            admins_only(
                groups["admins"], endpoint.calls_per_user_per_minute, endpoint.calls_per_endpoint_per_minute
            )
            if release.kill_switch
            else [
                per_minute("user", endpoint.calls_per_user_per_minute),
                per_minute("endpoint", endpoint.calls_per_endpoint_per_minute),
            ]
        )
        serving = ModelServing(
            self,
            f"endpoint-{endpoint.name}",
            name=endpoint.name,
            budget_policy_id=self._budget_policy_id,
            config=served_entities(
                endpoint=endpoint.name,
                entity=endpoint.entity,
                champion=champion,
                challenger=challenger,
                production=env.is_production,
                min_concurrency=endpoint.min_concurrency,
                max_concurrency=endpoint.max_concurrency,
            ),
            ai_gateway=ai_gateway(
                rate_limits=limits,
                catalog=env.catalog.name,
                schema=inference_schema,
                table_prefix=endpoint.name.replace("-", "_"),
                blocked_keywords=env.serving.blocked_keywords,
            ),
            tags=[ModelServingTags(key=key, value=value) for key, value in env.resource_tags().items()],
            depends_on=[version],
        )
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
