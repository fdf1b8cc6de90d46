"""The kill switch: AI gateway rate limits that admit nobody but the platform admins.

The same limits reach an endpoint two ways: rendered by the serving stack from the release file (the
reviewed path), and at once through the serving endpoints API (`put_ai_gateway`, for incidents that
cannot wait for a deploy); the release file change then keeps the next deploy from undoing it.

Databricks documents the rate-limit semantics this relies on: a default per-user limit applies to
every user "unless a more specific, custom rate limit is defined", group limits are custom limits
shared by the group's members, and the endpoint limit is a global maximum that blocks everyone once
reached (https://docs.databricks.com/aws/en/ai-gateway/rate-limits-beta, "Details and behavior"). So
the default user limit becomes 0 calls, the admins' group keeps a limit of its own, no other group
keeps one, and the endpoint limit stays as it was. The API is `PUT
/api/2.0/serving-endpoints/{name}/ai-gateway`, which replaces the whole gateway configuration
(https://docs.databricks.com/api/workspace/servingendpoints/putaigateway): the guardrails, inference
table and usage tracking are read first and sent back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lakeward.errors import LakewardError


@dataclass(frozen=True)
class Limit:
    """One AI gateway rate limit: `calls` a minute for a key (user, user_group, endpoint)."""

    key: str
    calls: int
    principal: str | None = None


def admitting_only(admins: str, admin_calls: int, endpoint_calls: int) -> list[Limit]:
    """The kill switch's limits: 0 a minute for every user and service principal outside `admins`."""
    return [Limit("user_group", admin_calls, admins), Limit("user", 0), Limit("endpoint", endpoint_calls)]


def put_limits(client: Any, endpoint: str, limits: list[Limit]) -> dict:
    """Replace the rate limits of `endpoint`'s AI gateway now, keeping its other settings."""
    from databricks.sdk.errors import DatabricksError
    from databricks.sdk.service.serving import (
        AiGatewayRateLimit,
        AiGatewayRateLimitKey,
        AiGatewayRateLimitRenewalPeriod,
    )

    try:
        gateway = client.serving_endpoints.get(endpoint).ai_gateway
        answer = client.serving_endpoints.put_ai_gateway(
            endpoint,
            guardrails=gateway.guardrails if gateway else None,
            inference_table_config=gateway.inference_table_config if gateway else None,
            usage_tracking_config=gateway.usage_tracking_config if gateway else None,
            fallback_config=gateway.fallback_config if gateway else None,
            rate_limits=[
                AiGatewayRateLimit(
                    key=AiGatewayRateLimitKey(limit.key),
                    calls=limit.calls,
                    principal=limit.principal,
                    renewal_period=AiGatewayRateLimitRenewalPeriod.MINUTE,
                )
                for limit in limits
            ],
        )
    except DatabricksError as exc:
        raise LakewardError(
            f"the serving endpoints API refused: {exc}",
            source=endpoint,
            field="--now",
            fix="check DATABRICKS_HOST (the workspace URL), the credentials and CAN_MANAGE on the endpoint",
        ) from None
    return answer.as_dict()


def workspace_client(host: str | None) -> Any:
    """A workspace client for `host` (else DATABRICKS_HOST), signed in from the DATABRICKS_* variables."""
    from databricks.sdk import WorkspaceClient

    try:
        return WorkspaceClient(host=host) if host else WorkspaceClient()
    except ValueError as exc:
        raise LakewardError(
            f"cannot sign in to the workspace: {exc}",
            field="--host",
            fix="pass --host https://<workspace> or set DATABRICKS_HOST, with DATABRICKS_TOKEN or "
            "DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET",
        ) from None
