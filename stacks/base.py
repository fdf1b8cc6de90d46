"""What every Lakeward stack shares: its state backend and the required tags."""

from __future__ import annotations

from typing import Literal

from cdktn import Aspects, LocalBackend, S3Backend, TerraformStack
from constructs import Construct

from lakeward.infra.config import Environment
from lakeward.infra.tagging import RequiredTags

Backend = Literal["s3", "local"]


class LakewardStack(TerraformStack):
    """A stack with an encrypted, locked S3 state backend (or a local one offline) and required tags."""

    def __init__(
        self, scope: Construct, id_: str, *, env: Environment, backend: Backend | None = None
    ) -> None:
        super().__init__(scope, id_)
        self.env = env
        state = env.state
        if (backend or state.backend) == "s3":
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
        Aspects.of(self).add(RequiredTags(env.resource_tags()))
