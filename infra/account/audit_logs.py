"""Audit and billable-usage log delivery of the environment's workspace into its log bucket.

Delivery configurations cannot be deleted, only disabled, and an account may hold two enabled ones per
log type without a workspace filter: each environment filters on its own workspace (two a workspace are
allowed), so its logs land in its own bucket and no environment uses up the account-wide slots.
"""

from __future__ import annotations

from cdktn_provider_databricks.mws_credentials import MwsCredentials
from cdktn_provider_databricks.mws_log_delivery import MwsLogDelivery
from cdktn_provider_databricks.mws_storage_configurations import MwsStorageConfigurations
from constructs import Construct

from infra.config import Environment

AUDIT_PREFIX = "databricks-logs"


class AuditLogDelivery(Construct):
    """Deliver audit logs (JSON) and billable usage (CSV) of this environment's workspace."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        role_arn: str,
        bucket_name: str,
        workspace_id: float,
    ) -> None:
        super().__init__(scope, id_)
        account, prefix = env.databricks.account_id, env.prefix
        credentials = MwsCredentials(
            self,
            "credentials",
            account_id=account,
            credentials_name=f"{prefix}-log-delivery",
            role_arn=role_arn,
        )
        storage = MwsStorageConfigurations(
            self,
            "storage",
            account_id=account,
            storage_configuration_name=f"{prefix}-log-delivery",
            bucket_name=bucket_name,
        )
        for log_type, output_format in (("AUDIT_LOGS", "JSON"), ("BILLABLE_USAGE", "CSV")):
            MwsLogDelivery(
                self,
                log_type.lower().replace("_", "-"),
                account_id=account,
                config_name=f"{prefix}-{log_type.lower()}",
                credentials_id=credentials.credentials_id,
                storage_configuration_id=storage.storage_configuration_id,
                log_type=log_type,
                output_format=output_format,
                delivery_path_prefix=f"{AUDIT_PREFIX}/{log_type.lower()}",
                workspace_ids_filter=[workspace_id],
            )
