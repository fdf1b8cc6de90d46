"""Secret scopes with explicit ACLs. Secret values never appear in code or Terraform JSON: operators
put them with `databricks secrets put-secret` after deploy."""

from __future__ import annotations

from cdktn_provider_databricks.secret_acl import SecretAcl
from cdktn_provider_databricks.secret_scope import SecretScope
from constructs import Construct

from infra.config import Environment


class PipelineSecrets(Construct):
    """One Databricks-backed scope for the pipeline: admins manage, engineers and jobs read."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment, jobs_principal: str) -> None:
        super().__init__(scope, id_)
        self.scope = SecretScope(self, "scope", name=f"{env.prefix}-pipeline", backend_type="DATABRICKS")
        self.scope_name = self.scope.name
        acls = (
            ("admins", env.groups.admins, "MANAGE"),
            ("engineers", env.groups.engineers, "READ"),
            ("jobs", jobs_principal, "READ"),
        )
        for role, principal, permission in acls:
            SecretAcl(self, f"acl-{role}", scope=self.scope.name, principal=principal, permission=permission)
