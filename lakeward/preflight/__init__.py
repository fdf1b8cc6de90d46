"""Read-only checks of the AWS account and the Databricks account before the first deploy."""
