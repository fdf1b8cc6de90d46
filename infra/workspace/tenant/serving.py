"""A tenant's model serving endpoints behind the AI gateway, with who may manage or query each."""

from __future__ import annotations

from cdktn_provider_databricks.model_serving import ModelServing, ModelServingTags
from cdktn_provider_databricks.permissions import Permissions, PermissionsAccessControl
from cdktn_provider_databricks.schema import Schema
from constructs import Construct

from infra.config import Environment
from infra.workspace.serving import admins_only, ai_gateway, per_minute, registered_version, served_entities
from lakeward.tenants.model import Endpoint, Role, Tenant
from lakeward.tenants.namespace import Namespace


class TenantServingEndpoints:
    """One endpoint per entry of the spec, `<tenant>-<endpoint>`, serving a model of the tenant's
    catalog, read while planning (the tenant registers it after its catalog exists); its inference
    table goes into the model's schema, which it waits for. With the tenant's kill switch on (`killed`),
    every endpoint admits only the tenant's admins group (`infra.workspace.serving.admins_only`): a
    tenant stack names no group outside the tenant, which its blast radius check enforces."""

    def __init__(
        self,
        scope: Construct,
        *,
        env: Environment,
        tenant: Tenant,
        namespace: Namespace,
        groups: dict[Role, str],
        schemas: dict[str, Schema],
        killed: bool = False,
    ) -> None:
        for endpoint in tenant.spec.serving.endpoints:
            _endpoint(scope, endpoint, env, tenant, namespace, groups, schemas, killed)


def _endpoint(
    scope: Construct,
    endpoint: Endpoint,
    env: Environment,
    tenant: Tenant,
    namespace: Namespace,
    groups: dict[Role, str],
    schemas: dict[str, Schema],
    killed: bool,
) -> None:
    serving_spec = tenant.spec.serving
    limits = [limit for limit in serving_spec.rate_limits if limit.endpoint in (None, endpoint.name)]
    schema = endpoint.model_path.split(".")[0]
    model = f"{namespace.catalog}.{endpoint.model_path}"
    version = registered_version(
        scope, f"endpoint-{endpoint.name}-version", full_name=model, versions=[endpoint.version]
    )
    rate_limits = (
        admins_only(
            groups["admins"],
            serving_spec.calls_per_user_per_minute,
            serving_spec.calls_per_endpoint_per_minute,
        )
        if killed
        else [
            *(per_minute("user_group", limit.calls_per_minute, groups[limit.role]) for limit in limits),
            per_minute("user", serving_spec.calls_per_user_per_minute),
            per_minute("endpoint", serving_spec.calls_per_endpoint_per_minute),
        ]
    )
    serving = ModelServing(
        scope,
        f"endpoint-{endpoint.name}",
        name=namespace.name(endpoint.name),
        config=served_entities(
            endpoint=endpoint.name,
            entity=model,
            champion=endpoint.version,
            challenger=None,
            production=env.is_production,
            min_concurrency=_floor(endpoint, env),
            max_concurrency=endpoint.max_concurrency,
        ),
        ai_gateway=ai_gateway(
            rate_limits=rate_limits,
            catalog=namespace.catalog,
            schema=schema,
            table_prefix=endpoint.name.replace("-", "_"),
        ),
        tags=[
            ModelServingTags(key=key, value=value)
            for key, value in {**env.resource_tags(), **tenant.tags()}.items()
        ],
        depends_on=[schemas[schema], version],
    )
    queriers = [limit.role for limit in limits if limit.role != "admins"]
    Permissions(
        scope,
        f"endpoint-{endpoint.name}-permissions",
        serving_endpoint_id=serving.serving_endpoint_id,
        access_control=[
            PermissionsAccessControl(group_name=groups["admins"], permission_level="CAN_MANAGE"),
            *(
                PermissionsAccessControl(group_name=groups[role], permission_level="CAN_QUERY")
                for role in dict.fromkeys(queriers)
            ),
        ],
    )


def _floor(endpoint: Endpoint, env: Environment) -> int:
    """The provisioned concurrency floor: as set, else 0 (scale to zero) outside production and 4 in it."""
    if endpoint.min_concurrency is not None:
        return endpoint.min_concurrency
    return 4 if env.is_production else 0
