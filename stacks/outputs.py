"""Names of the outputs a stack exports for other stacks to read from its state."""

from __future__ import annotations

# The foundation stack.
VPC_ID = "vpc_id"
CROSS_ACCOUNT_ROLE_ARN = "cross_account_role_arn"
ROOT_BUCKET = "root_bucket"
UNITY_CATALOG_BUCKET = "unity_catalog_bucket"
STORAGE_KEY_ARN = "storage_key_arn"

# The account stack.
WORKSPACE_URL = "workspace_url"
WORKSPACE_ID = "workspace_id"

# The workspace stack.
SQL_WAREHOUSE_ID = "sql_warehouse_id"
