"""`lakeward preflight`: load the environment, require both sets of credentials, run every check."""

from __future__ import annotations

from collections.abc import Mapping

from infra.config import load_environment
from lakeward.preflight.aws import aws_checks, aws_session
from lakeward.preflight.checks import Report
from lakeward.preflight.databricks import DatabricksCredentials, databricks_checks


def preflight(env_name: str, environ: Mapping[str, str]) -> Report:
    """Read-only checks of both accounts; missing credentials raise `LakewardError` before any call."""
    env = load_environment(env_name)
    credentials = DatabricksCredentials.from_environ(environ, env.databricks.account_id)
    session = aws_session()
    return Report(env.name, aws_checks(env, session) + databricks_checks(env, credentials))
