"""Databricks account-level constructs: the workspace, its metastore assignment, audit logs, the
serverless budget policy, and each tenant's account-level concerns (`tenant/`)."""
