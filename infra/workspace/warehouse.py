"""The serverless SQL warehouse `lakeward bootstrap` runs its statements on.

Serverless needs the PRO type: "If the field `enable_serverless_compute` has the value `true` ... the
default is `PRO`, which is required for serverless SQL warehouses" (terraform-provider-databricks
docs/resources/sql_endpoint.md); both are set explicitly, as that page recommends. The workspace must
allow serverless SQL (https://docs.databricks.com/aws/en/admin/sql/serverless). The warehouse's tags
are a `tags { custom_tags {...} }` block, so they are set here rather than by the tagging aspect.
The bootstrap finds it by name (`warehouse_name`); the stack also exports its ID.
"""

from __future__ import annotations

from cdktn_provider_databricks.permissions import Permissions, PermissionsAccessControl
from cdktn_provider_databricks.sql_endpoint import SqlEndpoint, SqlEndpointTags, SqlEndpointTagsCustomTags
from constructs import Construct

from infra.config import Environment
from lakeward.governance.library import warehouse_name


class GovernanceWarehouse(Construct):
    """A serverless PRO warehouse that stops when idle; the admins group may use it. Others read `id`."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment) -> None:
        super().__init__(scope, id_)
        config = env.warehouse
        self.warehouse = SqlEndpoint(
            self,
            "warehouse",
            name=warehouse_name(env),
            cluster_size=config.size,
            min_num_clusters=1,
            max_num_clusters=config.max_clusters,
            auto_stop_mins=config.auto_stop_minutes,
            enable_serverless_compute=True,
            warehouse_type="PRO",
            tags=SqlEndpointTags(
                custom_tags=[
                    SqlEndpointTagsCustomTags(key=key, value=value)
                    for key, value in env.resource_tags().items()
                ]
            ),
        )
        Permissions(
            self,
            "warehouse-use",
            sql_endpoint_id=self.warehouse.id,
            access_control=[
                PermissionsAccessControl(group_name=env.groups.admins, permission_level="CAN_USE")
            ],
        )
        self.id = self.warehouse.id
