"""The Databricks policy pack: one module per concern, one class per check (see `policies.registry`)."""
