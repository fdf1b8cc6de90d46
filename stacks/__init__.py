"""Deployable stacks composed from the constructs in `infra/`, one set per environment."""
