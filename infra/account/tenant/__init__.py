"""Account-level concerns of one tenant, declared through the account provider: its groups' assignment
to the workspace and its budget.

Like the workspace-level concerns, each declares its resources in the tenant's construct (it has no
construct of its own), so a resource's Terraform address does not depend on which module declares it.
"""
