"""Workspace-level concerns of one tenant, one module each: its catalog and grants, ABAC policies,
secrets, compute policy and serving endpoints. Everything is named inside the tenant's namespace
(`lakeward/tenants/namespace.py`).

Each concern declares its resources in the tenant's construct (it has no construct of its own), so
a resource's Terraform address does not depend on which module declares it.
"""
