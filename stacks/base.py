"""What every Lakeward stack shares: its state backend, the required tags, and reading another
stack's outputs from its state."""

from __future__ import annotations

from typing import Literal

from cdktn import (
    Aspects,
    DataTerraformRemoteStateLocal,
    DataTerraformRemoteStateS3,
    LocalBackend,
    S3Backend,
    TerraformStack,
)
from constructs import Construct

from infra.config import Environment
from infra.tagging import RequiredTags
from stacks.names import stack_id

Backend = Literal["s3", "local"]
ACCOUNTS_HOST = "https://accounts.cloud.databricks.com"


class LakewardStack(TerraformStack):
    """A stack with an encrypted, locked S3 state backend (or a local one offline) and required tags."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        backend: Backend | None = None,
        tags: dict[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.env = env
        self.backend: Backend = backend or env.state.backend
        state = env.state
        if self.backend == "s3":
            S3Backend(
                self,
                bucket=state.bucket or "",
                key=f"{state.key_prefix}/{id_}.tfstate",
                region=state.region or env.aws.region,
                encrypt=True,
                use_lockfile=True,
                kms_key_id=state.kms_key_id,
            )
        else:
            LocalBackend(self, path=f"terraform.{id_}.tfstate")
        self.add_override("terraform.required_version", ">= 1.10.0")
        Aspects.of(self).add(RequiredTags({**env.resource_tags(), **(tags or {})}))

    def remote_state(self, kind: str) -> DataTerraformRemoteStateS3 | DataTerraformRemoteStateLocal:
        """Read the outputs of this environment's `kind` stack from the state its own backend writes,
        without building that stack."""
        state, source = self.env.state, stack_id(self.env.name, kind)
        if self.backend == "s3":
            return DataTerraformRemoteStateS3(
                self,
                kind,
                bucket=state.bucket or "",
                key=f"{state.key_prefix}/{source}.tfstate",
                region=state.region or self.env.aws.region,
                encrypt=True,
                kms_key_id=state.kms_key_id,
            )
        return DataTerraformRemoteStateLocal(self, kind, path=f"../{source}/terraform.{source}.tfstate")
