"""One tenant's slice of an environment, composed from its account-level concerns (`infra/account/
tenant/`) and workspace-level concerns (`infra/workspace/tenant/`). An archived tenant keeps its
catalog, grants, policies and admins' secrets, and loses its compute, serving and budget."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import TerraformProvider
from constructs import Construct

from infra.account.groups import order_after_assignments
from infra.account.tenant.budget import TenantBudget
from infra.account.tenant.groups import TenantGroupAssignment
from infra.config import Environment
from infra.workspace.tenant.abac import TenantAbacPolicies
from infra.workspace.tenant.catalog import TenantCatalog
from infra.workspace.tenant.compute import TenantComputePolicy
from infra.workspace.tenant.secrets import TenantSecrets
from infra.workspace.tenant.serving import TenantServingEndpoints
from lakeward.tenants.model import ROLES, Role, Tenant
from lakeward.tenants.namespace import Namespace


@dataclass(frozen=True)
class TenantInputs:
    """What the environment hands a tenant: the workspace, the catalog storage and the account provider."""

    workspace_id: float
    storage_bucket: str
    binding: str
    account_provider: TerraformProvider


class TenantFootprint(Construct):
    """Everything one tenant renders in one environment; others read its `namespace`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        tenant: Tenant,
        inputs: TenantInputs,
        killed: bool = False,
    ) -> None:
        super().__init__(scope, id_)
        self.namespace = namespace = Namespace.of(tenant, env)
        groups = tenant.spec.groups.by_role()
        roles: list[Role] = ["admins"] if tenant.archived else list(ROLES)
        account = inputs.account_provider
        assigned = TenantGroupAssignment(
            self, groups=groups, roles=roles, workspace_id=inputs.workspace_id, account_provider=account
        )
        catalog = TenantCatalog(
            self,
            tenant=tenant,
            namespace=namespace,
            groups=groups,
            storage_bucket=inputs.storage_bucket,
            workspace_id=inputs.workspace_id,
            binding=inputs.binding,
        )
        TenantAbacPolicies(
            self, env=env, tenant=tenant, namespace=namespace, groups=groups, catalog=catalog.catalog
        )
        TenantSecrets(self, tenant=tenant, namespace=namespace, groups=groups, roles=roles)
        if not tenant.archived:
            TenantComputePolicy(self, env=env, tenant=tenant, namespace=namespace, groups=groups)
            TenantServingEndpoints(
                self,
                env=env,
                tenant=tenant,
                namespace=namespace,
                groups=groups,
                schemas=catalog.schemas,
                killed=killed,
            )
            TenantBudget(
                self,
                env=env,
                tenant=tenant,
                namespace=namespace,
                workspace_id=inputs.workspace_id,
                account_provider=account,
            )
        order_after_assignments(self, assigned.assignments)
