"""Typed configuration and the constructs that take it, one concern a module: `aws/`, `account/`,
`workspace/`, and `tenant.py` composing a tenant's account- and workspace-level concerns."""
