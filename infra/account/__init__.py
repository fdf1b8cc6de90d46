"""Databricks account-level constructs: the workspace, its metastore assignment, audit logs."""
