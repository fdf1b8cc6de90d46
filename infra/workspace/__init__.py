"""Workspace-level constructs: Unity Catalog, compute, secrets, serving, hardening, jobs, and each
tenant's workspace-level concerns (`tenant/`)."""
