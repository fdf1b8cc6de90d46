"""The regional Unity Catalog metastore (created or existing) and its assignment to the workspace."""

from __future__ import annotations

from cdktn_provider_databricks.metastore import Metastore
from cdktn_provider_databricks.metastore_assignment import MetastoreAssignment
from constructs import Construct

from infra.config import Environment


class MetastoreBinding(Construct):
    """Assign the metastore to the workspace; create it only when no existing ID is configured."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment, workspace_id: float) -> None:
        super().__init__(scope, id_)
        if env.metastore.existing_id:
            self.metastore_id = env.metastore.existing_id
        else:
            metastore = Metastore(
                self,
                "metastore",
                name=env.metastore.name,
                region=env.aws.region,
                owner=env.metastore.owner,
                force_destroy=False,
            )
            self.metastore_id = metastore.id
        MetastoreAssignment(self, "assignment", metastore_id=self.metastore_id, workspace_id=workspace_id)
