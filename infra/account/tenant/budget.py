"""A tenant's monthly budget: spend tagged with the tenant in this workspace, with e-mail alerts."""

from __future__ import annotations

from cdktn import TerraformProvider
from cdktn_provider_databricks.budget import (
    Budget,
    BudgetAlertConfigurations,
    BudgetAlertConfigurationsActionConfigurations,
    BudgetFilter,
    BudgetFilterTags,
    BudgetFilterTagsValue,
    BudgetFilterWorkspaceId,
)
from constructs import Construct

from infra.config import Environment
from lakeward.tenants.model import Tenant
from lakeward.tenants.namespace import Namespace


class TenantBudget:
    """One account budget per tenant and environment, alerting at each configured fraction."""

    def __init__(
        self,
        scope: Construct,
        *,
        env: Environment,
        tenant: Tenant,
        namespace: Namespace,
        workspace_id: float,
        account_provider: TerraformProvider,
    ) -> None:
        budget = tenant.spec.budget
        Budget(
            scope,
            "budget",
            display_name=namespace.name(f"{env.name}-monthly"),
            account_id=env.databricks.account_id,
            filter=BudgetFilter(
                tags=[
                    BudgetFilterTags(
                        key="Tenant", value=BudgetFilterTagsValue(operator="IN", values=[tenant.name])
                    )
                ],
                workspace_id=BudgetFilterWorkspaceId(operator="IN", values=[workspace_id]),
            ),
            alert_configurations=[
                BudgetAlertConfigurations(
                    time_period="MONTH",
                    trigger_type="CUMULATIVE_SPENDING_EXCEEDED",
                    quantity_type="LIST_PRICE_DOLLARS_USD",
                    quantity_threshold=f"{budget.monthly_usd * fraction:.2f}",
                    action_configurations=[
                        BudgetAlertConfigurationsActionConfigurations(
                            action_type="EMAIL_NOTIFICATION", target=email
                        )
                        for email in budget.notify
                    ],
                )
                for fraction in sorted(budget.alerts_at)
            ],
            provider=account_provider,
        )
