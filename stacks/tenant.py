"""One stack per tenant and environment (`stacks/names.py` names it).

It reads the workspace and the catalog storage from the account and foundation stacks' state, so
synthesizing or planning one tenant builds no other stack and imports no AWS provider.
"""

from __future__ import annotations

from cdktn_provider_databricks.provider import DatabricksProvider
from constructs import Construct

from infra.config import Environment
from infra.tenant import TenantFootprint, TenantInputs
from lakeward.tenants.model import Tenant
from stacks import outputs
from stacks.base import ACCOUNTS_HOST, Backend, LakewardStack
from stacks.names import ACCOUNT, FOUNDATION, tenant_stack_id


class TenantStack(LakewardStack):
    """A tenant's catalog, access, compute, secrets, serving and budget in one environment; `killed`
    (the tenant's kill switch in the release file) admits only the platform admins to its endpoints."""

    def __init__(
        self,
        scope: Construct,
        *,
        env: Environment,
        tenant: Tenant,
        backend: Backend | None = None,
        killed: bool = False,
    ) -> None:
        super().__init__(
            scope, tenant_stack_id(env.name, tenant.name), env=env, backend=backend, tags=tenant.tags()
        )
        self.tenant = tenant
        account = self.remote_state(ACCOUNT)
        foundation = self.remote_state(FOUNDATION)
        DatabricksProvider(self, "databricks", host=account.get_string(outputs.WORKSPACE_URL))
        account_provider = DatabricksProvider(
            self,
            "databricks-account",
            alias="account",
            host=ACCOUNTS_HOST,
            account_id=env.databricks.account_id,
        )
        binding = next(ref.binding for ref in tenant.spec.workspaces if ref.name == env.name)
        self.footprint = TenantFootprint(
            self,
            "tenant",
            env=env,
            tenant=tenant,
            inputs=TenantInputs(
                workspace_id=account.get_number(outputs.WORKSPACE_ID),
                storage_bucket=foundation.get_string(outputs.UNITY_CATALOG_BUCKET),
                binding=binding,
                account_provider=account_provider,
            ),
            killed=killed,
        )
