"""Governance bootstrap: the mask and row-filter functions, governed tags and pipeline tables that
Terraform cannot create, made idempotently with SQL on the workspace's serverless SQL warehouse."""
