"""Continuous delivery support: what the pipelines under `ci/` need beyond the other commands."""
