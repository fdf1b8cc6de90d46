"""The Databricks checks against the local fake API: what the SDK sends and how the answers are read."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import Environment
from lakeward.errors import LakewardError
from lakeward.preflight.checks import Check, Status
from lakeward.preflight.databricks import DatabricksCredentials, databricks_checks
from tests.fakes.databricks_api import TOKEN, FakeAccount
from tests.preflight.conftest import SP_ID, environment

Fake = tuple[FakeAccount, dict[str, str]]
METASTORE_ID = "12345678-1234-4234-8234-123456789abc"


def run(environ: dict[str, str], env: Environment | None = None, **kwargs: Any) -> dict[str, Check]:
    env = env or environment()
    credentials = DatabricksCredentials.from_environ(environ, env.databricks.account_id)
    return {check.id: check for check in databricks_checks(env, credentials, **kwargs)}


def blockers(checks: dict[str, Check]) -> list[str]:
    return [check_id for check_id, check in checks.items() if check.status is Status.BLOCKER]


def test_all_green_and_the_requests_sent(databricks_environ: Fake) -> None:
    fake, environ = databricks_environ
    checks = run(environ)
    assert blockers(checks) == []
    assert checks["databricks.account_admin"].found == (
        f"service principal {fake.client_id} (id {SP_ID}), roles: account_admin"
    )
    assert (
        checks["databricks.metastore"].found
        == "none in us-east-1: the account stack creates lakeward-us-east-1"
    )
    assert checks["databricks.metastore_admin"].found == f"{fake.client_id} is in lakeward-platform-admins"
    assert "acme-analytics" in checks["databricks.deployment_name"].found
    assert checks["databricks.workspace"].found.startswith("not created yet")
    # OAuth M2M: the token came from the account's OIDC endpoint and signs every API call.
    assert fake.requested("/v1/token")
    api = [r for r in fake.requests if r.path.startswith("/api/")]
    assert {r.authorization for r in api} == {f"Bearer {TOKEN}"}
    # SCIM: one filtered query, paged with startIndex until an empty page.
    principals = fake.requested("/scim/v2/ServicePrincipals")
    assert {r.query["filter"] for r in principals} == {f'applicationId eq "{fake.client_id}"'}
    assert [r.query["startIndex"] for r in principals] == ["1", "2"]
    groups = fake.requested("/scim/v2/Groups")
    assert groups[0].query["filter"] == 'displayName eq "lakeward-platform-admins"'
    assert "members" in groups[0].query["attributes"]
    assert fake.requested(f"/accounts/{fake.account_id}/workspaces")
    assert fake.requested(f"/accounts/{fake.account_id}/metastores")
    assert not fake.requested("/scim/v2/Me")  # no workspace of the environment yet


def test_wrong_account_id(databricks_environ: Fake) -> None:
    fake, environ = databricks_environ
    checks = run({**environ, "DATABRICKS_ACCOUNT_ID": "00000000-0000-4000-8000-00000000dead"})
    assert list(checks) == ["databricks.account"] and blockers(checks) == ["databricks.account"]
    assert fake.requests == []


def test_existing_metastore_in_region_must_be_reused(databricks_environ: Fake) -> None:
    fake, environ = databricks_environ
    fake.metastores = [
        {"metastore_id": "eu", "name": "eu", "region": "eu-west-1", "owner": "x"},
        {
            "metastore_id": METASTORE_ID,
            "name": "primary",
            "region": "us-east-1",
            "owner": "lakeward-platform-admins",
        },
    ]
    metastore = run(environ)["databricks.metastore"]
    assert metastore.status is Status.BLOCKER
    assert f"set metastore.existing_id to {METASTORE_ID}" in (metastore.fix or "")
    reused = run(environ, environment(metastore={"existing_id": METASTORE_ID}))["databricks.metastore"]
    assert reused.status is Status.OK and reused.found.endswith("; reused")


def test_configured_metastore_that_does_not_exist(databricks_environ: Fake) -> None:
    _, environ = databricks_environ
    check = run(environ, environment(metastore={"existing_id": METASTORE_ID}))["databricks.metastore"]
    assert check.status is Status.BLOCKER and "existing_id to null" in (check.fix or "")


def test_missing_metastore_admin_membership(databricks_environ: Fake) -> None:
    fake, environ = databricks_environ
    fake.groups[1]["members"] = [{"value": "70000"}]
    check = run(environ)["databricks.metastore_admin"]
    assert check.status is Status.BLOCKER
    assert check.found == f"{fake.client_id} is not a direct member of lakeward-platform-admins (1 members)"
    fake.groups = fake.groups[:1]
    assert (
        run(environ)["databricks.metastore_admin"].found
        == "the account has no group lakeward-platform-admins"
    )


def test_missing_account_admin_role(databricks_environ: Fake) -> None:
    fake, environ = databricks_environ
    fake.service_principals[1]["roles"] = []
    check = run(environ)["databricks.account_admin"]
    assert check.status is Status.BLOCKER and check.found.endswith("roles: none")
    assert "account admin role" in (check.fix or "")


def test_permission_errors_become_blockers(databricks_environ: Fake) -> None:
    fake, environ = databricks_environ
    fake.denied = {"/scim/v2/ServicePrincipals", "/metastores"}
    checks = run(environ)
    assert "permission denied" in checks["databricks.account_admin"].found
    assert "without account admin" in checks["databricks.account_admin"].found
    assert checks["databricks.metastore"].status is Status.BLOCKER
    assert checks["databricks.metastore_admin"].status is Status.MANUAL  # nobody to look up


def test_deployment_name_prefix(databricks_environ: Fake) -> None:
    fake, environ = databricks_environ
    fake.workspaces[0]["deployment_name"] = "dbc-1a2b3c4d-5e6f"
    check = run(environ)["databricks.deployment_name"]
    assert check.status is Status.MANUAL and check.source and "mws_workspaces" in check.source
    fake.workspaces[0]["deployment_name"] = "acme-lakeward-dev"
    taken = run(environ)["databricks.deployment_name"]
    assert taken.status is Status.BLOCKER and "analytics already uses" in taken.found


def running_workspace(fake: FakeAccount) -> None:
    fake.workspaces.append(
        {
            "workspace_id": 42,
            "workspace_name": "lakeward-dev",
            "deployment_name": "acme-lakeward-dev",
            "workspace_status": "RUNNING",
        }
    )
    fake.users = [
        {
            "id": "80001",
            "userName": "deployer@example.com",
            "roles": [{"value": "account_admin"}],
            "groups": [{"display": "lakeward-platform-admins", "value": "90001"}],
        },
    ]
    fake.me = {
        "id": "555",
        "userName": "deployer@example.com",
        "active": True,
        "groups": [{"display": "admins", "value": "1"}, {"display": "users", "value": "2"}],
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    }


def test_token_identity_through_the_workspace_scim_me(databricks_environ: Fake) -> None:
    fake, environ = databricks_environ
    running_workspace(fake)
    token_environ = {"DATABRICKS_HOST": environ["DATABRICKS_HOST"], "DATABRICKS_TOKEN": TOKEN}
    checks = run(token_environ, workspace_host=lambda ws: environ["DATABRICKS_HOST"])
    assert blockers(checks) == []
    assert checks["databricks.account_admin"].found.startswith("user deployer@example.com (id 80001)")
    assert checks["databricks.workspace"].found.startswith("exists: id 42, RUNNING")
    assert checks["databricks.metastore_assignment"].found == "none yet: the deploy assigns it"  # a 404
    assert fake.requested("/preview/scim/v2/Me")
    assert fake.requested("/scim/v2/Users")[0].query["filter"] == 'userName eq "deployer@example.com"'


def test_workspace_level_blockers(databricks_environ: Fake) -> None:
    fake, environ = databricks_environ
    running_workspace(fake)
    fake.me = {**(fake.me or {}), "groups": [{"display": "users", "value": "2"}]}
    fake.current_assignment = {"workspace_id": 42, "metastore_id": "other", "default_catalog_name": "main"}
    fake.metastores = [
        {
            "metastore_id": METASTORE_ID,
            "name": "p",
            "region": "us-east-1",
            "owner": "lakeward-platform-admins",
        }
    ]
    env = environment(metastore={"existing_id": METASTORE_ID})
    checks = run(environ, env, workspace_host=lambda ws: environ["DATABRICKS_HOST"])
    assert blockers(checks) == ["databricks.workspace_admin", "databricks.metastore_assignment"]
    assert (
        f"assigned other, the environment uses {METASTORE_ID}"
        in checks["databricks.metastore_assignment"].found
    )


def test_token_without_a_workspace_leaves_the_roles_manual(databricks_environ: Fake) -> None:
    _, environ = databricks_environ
    checks = run({"DATABRICKS_HOST": environ["DATABRICKS_HOST"], "DATABRICKS_TOKEN": TOKEN})
    assert checks["databricks.account_admin"].status is Status.MANUAL
    assert checks["databricks.metastore_admin"].status is Status.MANUAL


def test_refused_credentials_are_bad_input(databricks_environ: Fake) -> None:
    _, environ = databricks_environ
    with pytest.raises(LakewardError) as error:
        run({"DATABRICKS_HOST": environ["DATABRICKS_HOST"], "DATABRICKS_TOKEN": "wrong"})
    assert "refused the credentials" in str(error.value) and error.value.exit_code == 2


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "DATABRICKS_HOST and DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (or DATABRICKS_TOKEN)"),
        (
            {"DATABRICKS_HOST": "https://accounts.cloud.databricks.com", "DATABRICKS_CLIENT_ID": "x"},
            "DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (or DATABRICKS_TOKEN)",
        ),
    ],
)
def test_missing_credentials_name_the_variables(environ: dict[str, str], named: str) -> None:
    with pytest.raises(LakewardError) as error:
        DatabricksCredentials.from_environ(environ, "00000000-0000-4000-8000-000000000001")
    assert f"no Databricks credentials: {named} not set" in str(error.value)
