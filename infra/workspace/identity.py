"""The service principal that pipeline jobs run as (jobs never run as a person)."""

from __future__ import annotations

from cdktn_provider_databricks.service_principal import ServicePrincipal
from constructs import Construct

from infra.config import Environment


class JobsServicePrincipal(Construct):
    """A workspace service principal with no interactive or cluster-creation rights of its own."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment) -> None:
        super().__init__(scope, id_)
        self.principal = ServicePrincipal(
            self,
            "principal",
            display_name=env.groups.jobs_service_principal,
            allow_cluster_create=False,
            allow_instance_pool_create=False,
            databricks_sql_access=False,
            workspace_access=True,
            active=True,
        )
        self.application_id = self.principal.application_id
