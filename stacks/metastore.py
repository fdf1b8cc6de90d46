"""The account-level stack that creates the region's Unity Catalog metastore, once per Databricks
account and region: only the environment whose `metastore.create` is true has one."""

from __future__ import annotations

from cdktn_provider_databricks.provider import DatabricksProvider
from constructs import Construct

from infra.account.metastore import RegionalMetastore
from infra.config import Environment
from stacks.base import ACCOUNTS_HOST, Backend, LakewardStack
from stacks.names import METASTORE, stack_id


class MetastoreStack(LakewardStack):
    """The regional metastore; the account stacks of every environment assign it."""

    def __init__(self, scope: Construct, *, env: Environment, backend: Backend | None = None) -> None:
        super().__init__(scope, stack_id(env.name, METASTORE), env=env, backend=backend)
        DatabricksProvider(self, "databricks", host=ACCOUNTS_HOST, account_id=env.databricks.account_id)
        self.metastore = RegionalMetastore(self, "metastore", env=env)
