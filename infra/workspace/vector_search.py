"""The Vector Search endpoint and the Delta Sync indexes the retriever queries, one per table set.

Constraints from the provider's documentation (terraform-provider-databricks,
docs/resources/vector_search_index.md; the registry page
https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/vector_search_index):
- "change of any parameter leads to recreation of the resource": the name, endpoint, key, columns and
  pipeline type are all force-new, so changing any of them rebuilds the index from its table;
- `embedding_vector_columns` (self-managed vectors) need `embedding_dimension`;
- `columns_to_sync` left out syncs every column; Lakeward names them, so the vector and the columns
  retrieval reads are all that leaves the table;
- the source table must have change data feed on (Delta Sync reads it; the pipeline's tables are made
  with `delta.enableChangeDataFeed`), and must exist when the index is created: the retrieval stack is
  applied after the tables are made (see docs/deploy.md).

So each index first reads its source table while planning, and the plan stops before anything is
created when the table is missing or has change data feed off:
- `databricks_catalogs` (docs/data-sources/catalogs.md: `ids`, the catalogs' names) must list its
  catalog: listing the tables of a catalog that does not exist (a tenant whose stack is planned in the
  same change) fails the read instead of its postcondition;
- `databricks_tables` (docs/data-sources/tables.md: `ids`, the full names of the schema's tables;
  catalog/data_tables.go lists them with Tables.ListAll) must list it. `databricks_table` alone cannot
  say "missing": it calls Tables.Get (catalog/data_table.go), which fails the read itself, and a failed
  read is no postcondition `lakeward ci summary` can report as waiting for a step;
- then `databricks_table` (docs/data-sources/table.md; the 18.11 binding's `table_info.properties`, the
  Unity Catalog TableInfo's properties, https://docs.databricks.com/api/workspace/tables/get) must hold
  `delta.enableChangeDataFeed` = `true`.
"""

from __future__ import annotations

from cdktn import Postcondition, TerraformResourceLifecycle
from cdktn_provider_databricks.data_databricks_catalogs import DataDatabricksCatalogs
from cdktn_provider_databricks.data_databricks_table import DataDatabricksTable
from cdktn_provider_databricks.data_databricks_tables import DataDatabricksTables
from cdktn_provider_databricks.permissions import Permissions, PermissionsAccessControl
from cdktn_provider_databricks.vector_search_endpoint import VectorSearchEndpoint
from cdktn_provider_databricks.vector_search_index import (
    VectorSearchIndex,
    VectorSearchIndexDeltaSyncIndexSpec,
    VectorSearchIndexDeltaSyncIndexSpecEmbeddingVectorColumns,
)
from constructs import Construct

from infra.config import Environment
from workloads import vector_index

CHANGE_DATA_FEED = "delta.enableChangeDataFeed"


class VectorSearch(Construct):
    """The endpoint, who may use or manage it (`groups` maps admins and engineers to the names their
    ACL uses), and one Delta Sync index for each catalog in `catalogs` (the platform's and each
    tenant's): an endpoint never stands without an index."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        budget_policy_id: str,
        groups: dict[str, str],
        catalogs: list[str],
    ) -> None:
        super().__init__(scope, id_)
        if not catalogs:
            raise ValueError("a vector search endpoint needs at least one index")
        self.endpoint = VectorSearchEndpoint(
            self,
            "vector-search",
            name=env.serving.vector_search_endpoint,
            endpoint_type="STANDARD",
            budget_policy_id=budget_policy_id,
        )
        Permissions(
            self,
            "vector-search-permissions",
            vector_search_endpoint_id=self.endpoint.endpoint_id,
            access_control=[
                PermissionsAccessControl(group_name=groups["admins"], permission_level="CAN_MANAGE"),
                PermissionsAccessControl(group_name=groups["engineers"], permission_level="CAN_USE"),
            ],
        )
        unique = list(dict.fromkeys(catalogs))
        present = self._catalogs(unique, env.name)
        self.indexes = [self._index(catalog, env, present) for catalog in unique]

    def _catalogs(self, catalogs: list[str], env_name: str) -> DataDatabricksCatalogs:
        """The metastore's catalogs, read while planning: each index's catalog must be among them (a
        tenant's is made by its stack, then the bootstrap makes its tables)."""
        return DataDatabricksCatalogs(
            self,
            "catalogs",
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=f'${{contains(self.ids, "{catalog}")}}',
                        error_message=f"the catalog {catalog} is not there yet (its stack makes it), so "
                        f"{vector_index.source_table(catalog)} does not exist: {_missing(env_name)}",
                    )
                    for catalog in catalogs
                ]
            ),
        )

    def _source(self, catalog: str, env: Environment, present: DataDatabricksCatalogs) -> DataDatabricksTable:
        """The index's source table, read while planning: it must exist and have change data feed on.
        A missing one names `lakeward bootstrap`, which makes it (in the form `lakeward ci summary`
        reports as waiting for that step)."""
        table = vector_index.source_table(catalog)
        listed = DataDatabricksTables(
            self,
            f"source-tables-{catalog}",
            catalog_name=catalog,
            schema_name=vector_index.SCHEMA,
            depends_on=[present],
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=f'${{contains(self.ids, "{table}")}}',
                        error_message=f"{table} does not exist: {_missing(env.name)}",
                    )
                ]
            ),
        )
        # `table_info` is one nested object; flatten([...]) reads it whether the provider's schema
        # makes it a block list of one or an object.
        change_feed = f'one(flatten([self.table_info])).properties["{CHANGE_DATA_FEED}"]'
        return DataDatabricksTable(
            self,
            f"source-table-{catalog}",
            name=table,
            depends_on=[listed],
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=f'${{try({change_feed}, "") == "true"}}',
                        error_message=f"{table} has change data feed off, which a Delta Sync index "
                        f"needs: ALTER TABLE {table} SET TBLPROPERTIES ('{CHANGE_DATA_FEED}' = 'true')",
                    )
                ]
            ),
        )

    def _index(self, catalog: str, env: Environment, present: DataDatabricksCatalogs) -> VectorSearchIndex:
        source = self._source(catalog, env, present)
        pipeline_type = env.serving.vector_search_sync
        return VectorSearchIndex(
            self,
            f"index-{catalog}",
            name=vector_index.index_name(catalog),
            endpoint_name=self.endpoint.name,
            index_type="DELTA_SYNC",
            primary_key=vector_index.PRIMARY_KEY,
            delta_sync_index_spec=VectorSearchIndexDeltaSyncIndexSpec(
                source_table=vector_index.source_table(catalog),
                pipeline_type=pipeline_type,
                embedding_vector_columns=[
                    VectorSearchIndexDeltaSyncIndexSpecEmbeddingVectorColumns(
                        name=vector_index.VECTOR_COLUMN, embedding_dimension=vector_index.DIMENSION
                    )
                ],
                columns_to_sync=list(vector_index.SYNCED_COLUMNS),
            ),
            depends_on=[source],
        )


def _missing(env_name: str) -> str:
    """How a missing source table's message ends: the step that makes it, as `lakeward ci summary`
    recognises a plan waiting for a step."""
    return f"run `lakeward bootstrap --env {env_name}`"
