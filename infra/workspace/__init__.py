"""Workspace-level constructs: Unity Catalog, compute, secrets, serving, hardening, jobs."""
