"""Tenants: one reviewed spec per business unit (`tenants/<name>.yaml`) and the `lakeward tenant`
commands. The spec (`model`, `loader`, `rules`, `access`, `namespace`) is pure pydantic, no CDK; the
commands scaffold, validate, plan and offboard."""
