"""The regional Unity Catalog metastore and its assignment to a workspace.

An account holds one metastore per region, shared by its workspaces: one environment creates it, in a
stack of its own (`RegionalMetastore`), and every environment assigns it to its workspace
(`MetastoreBinding`), by the configured ID or found by region.
"""

from __future__ import annotations

from cdktn_provider_databricks.data_databricks_metastore import DataDatabricksMetastore
from cdktn_provider_databricks.metastore import Metastore
from cdktn_provider_databricks.metastore_assignment import MetastoreAssignment
from constructs import Construct

from infra.config import Environment


class RegionalMetastore(Construct):
    """The region's metastore, created once per account, owned by the metastore owner group."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment) -> None:
        super().__init__(scope, id_)
        self.metastore = Metastore(
            self,
            "metastore",
            name=env.metastore.name,
            region=env.aws.region,
            owner=env.metastore.owner,
            force_destroy=False,
        )
        self.metastore_id = self.metastore.id


class MetastoreBinding(Construct):
    """Assign the region's metastore to the workspace: the configured ID, else the one the account holds
    in the region (read while planning, so a missing metastore stops the plan, not the apply)."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment, workspace_id: float) -> None:
        super().__init__(scope, id_)
        if env.metastore.existing_id:
            self.metastore_id = env.metastore.existing_id
        else:
            found = DataDatabricksMetastore(self, "regional", region=env.aws.region)
            self.metastore_id = found.metastore_id
        self.assignment = MetastoreAssignment(
            self, "assignment", metastore_id=self.metastore_id, workspace_id=workspace_id
        )
