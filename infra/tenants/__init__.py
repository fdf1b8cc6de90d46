"""Tenants: one reviewed spec per business unit (`tenants/<name>.yaml`), pure pydantic, no CDK."""
