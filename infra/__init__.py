"""Typed configuration and the constructs that take it, one concern a module:
`aws/`, `account/`, `workspace/`."""
