"""`lakeward bootstrap` against the fake Databricks API: the statements it sends, that a second run
changes nothing, and how it answers a pending, failed, refused or unreachable warehouse.

The fake answers the Statement Execution API from its documented responses
(https://docs.databricks.com/api/workspace/statementexecution): SUCCEEDED with a JSON_ARRAY result,
PENDING then RUNNING then SUCCEEDED on getStatement, FAILED with `status.error`, 403 when denied.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from infra.config import load_environment
from lakeward.errors import LakewardError
from lakeward.governance import sql
from lakeward.governance.bootstrap import bootstrap
from lakeward.governance.library import FUNCTION_NAMES, FUNCTIONS, TAG_KEYS, warehouse_name
from stacks.names import WORKSPACE, stack_id, tenant_stack_id
from tests.cli import run_cli
from tests.fakes.databricks_api import TOKEN, FakeAccount, FakeWarehouse, fake_databricks

ACCOUNT_ID = "00000000-0000-4000-8000-000000000001"
PIPELINE_TABLES = {spec.name for spec in sql.PIPELINE_TABLES}


@pytest.fixture
def account() -> FakeAccount:
    return FakeAccount(ACCOUNT_ID, warehouse=FakeWarehouse(warehouse_name(load_environment("dev"))))


@pytest.fixture
def environ(account: FakeAccount) -> Iterator[dict[str, str]]:
    with fake_databricks(account) as url:
        yield {"DATABRICKS_HOST": url, "DATABRICKS_TOKEN": TOKEN}


def _warehouse(account: FakeAccount) -> FakeWarehouse:
    assert account.warehouse is not None
    return account.warehouse


def _bootstrap(environ: dict[str, str], *args: str) -> tuple[int, dict]:
    result = run_cli("bootstrap", "--env", "dev", "--json", *args, env=environ)
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


def test_first_run_creates_everything_and_records_it(account: FakeAccount, environ: dict[str, str]) -> None:
    code, report = _bootstrap(environ)
    assert code == 0 and report["changed"] == 1 + len(FUNCTIONS) + len(PIPELINE_TABLES) + len(TAG_KEYS)
    assert {step["action"] for step in report["steps"]} == {"create"}
    warehouse = _warehouse(account)
    sent = warehouse.sent(account)
    functions = [text for text in sent if text.startswith("CREATE OR REPLACE FUNCTION")]
    assert [text.split("`")[5] for text in functions] == list(FUNCTION_NAMES)
    assert all(text.startswith("CREATE OR REPLACE FUNCTION `llm_dev`.`governance`.") for text in functions)
    created = [text for text in sent if text.startswith("CREATE TABLE IF NOT EXISTS `llm_dev`.`curated`.")]
    assert len(created) == len(PIPELINE_TABLES)
    assert all("TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')" in text for text in created)
    # The DDL comes from the pipeline's own Arrow specs: every column, NOT NULL where the spec says so.
    documents = next(text for text in created if "`documents`" in text)
    assert "`doc_id` string NOT NULL" in documents and "`duplicate_of` string," in documents
    assert "`tenant` string," in documents and "`source_modified_at` timestamp)" in documents
    assert set(warehouse.tables) >= {("llm_dev", "curated", name) for name in PIPELINE_TABLES}
    assert any("ADD CONSTRAINT `doc_id_not_empty` CHECK (doc_id <> '')" in text for text in sent)
    # Reads carry the catalog as a statement parameter, never in the text.
    statements = [r.body for r in account.requested("/api/2.0/sql/statements") if r.body]
    reads = [body for body in statements if body["statement"].startswith("SELECT")]
    assert reads and all("llm_dev" not in body["statement"] for body in reads[:3])
    assert {"name": "catalog", "value": "llm_dev", "type": "STRING"} in reads[0]["parameters"]
    assert all(body["wait_timeout"] == "30s" and body["on_wait_timeout"] == "CONTINUE" for body in statements)
    assert set(warehouse.tag_policies) == set(TAG_KEYS)
    recorded = {(row["type"], row["name"], row["action"]) for row in warehouse.records}
    assert ("function", "llm_dev.governance.mask_pii", "create") in recorded
    assert ("tag", "pii", "create") in recorded and len(recorded) == report["changed"]


def test_a_second_run_changes_nothing_and_says_so(account: FakeAccount, environ: dict[str, str]) -> None:
    assert _bootstrap(environ)[0] == 0
    warehouse = _warehouse(account)
    before = len(warehouse.sent(account))
    code, report = _bootstrap(environ)
    assert code == 0 and report["changed"] == 0
    again = warehouse.sent(account)[before:]
    assert again and all(text.startswith("SELECT") for text in again)
    assert len(account.requested("/api/2.1/tag-policies")) == len(TAG_KEYS)  # only the three creations
    shown = run_cli("bootstrap", "--env", "dev", env=environ)
    assert shown.exit_code == 0 and "nothing to change" in shown.stdout


def test_a_changed_definition_is_replaced_and_a_new_column_added(
    account: FakeAccount, environ: dict[str, str]
) -> None:
    assert _bootstrap(environ)[0] == 0
    warehouse = _warehouse(account)
    warehouse.records.append(
        {"type": "function", "name": "llm_dev.governance.mask_phi", "action": "create", "digest": "older"}
    )
    warehouse.tables[("llm_dev", "curated", "documents")].remove("duplicate_of")
    code, report = _bootstrap(environ)
    changed = {step["name"]: step for step in report["steps"] if step["action"] != "unchanged"}
    assert code == 0 and set(changed) == {"llm_dev.governance.mask_phi", "llm_dev.curated.documents"}
    assert changed["llm_dev.governance.mask_phi"]["action"] == "replace"
    (alter,) = changed["llm_dev.curated.documents"]["statements"]
    assert alter == "ALTER TABLE `llm_dev`.`curated`.`documents` ADD COLUMNS (`duplicate_of` string)"


def test_dry_run_reads_only(account: FakeAccount, environ: dict[str, str]) -> None:
    code, report = _bootstrap(environ, "--dry-run")
    assert code == 0 and report["dry_run"] and report["changed"] > 0
    assert all(text.startswith("SELECT") for text in _warehouse(account).sent(account))
    assert not account.requested("/api/2.1/tag-policies") or all(
        r.method == "GET" for r in account.requested("/api/2.1/tag-policies")
    )


def test_pending_statements_are_polled_until_they_succeed(
    account: FakeAccount, environ: dict[str, str]
) -> None:
    warehouse = _warehouse(account)
    warehouse.pending_polls = 2
    slept: list[float] = []
    result = bootstrap("dev", environ, sleep=slept.append)
    assert not [step for step in result.steps if step.action == "unchanged"]
    polls = [r for r in account.requests if r.method == "GET" and "/api/2.0/sql/statements/" in r.path]
    # Each statement: PENDING on execute, then PENDING, RUNNING and SUCCEEDED on getStatement.
    assert len(polls) == 3 * len(warehouse.sent(account)) == len(slept)


def test_a_failed_statement_stops_the_run_with_the_warehouse_message(
    account: FakeAccount, environ: dict[str, str]
) -> None:
    _warehouse(account).failures["`filter_region`"] = "[PERMISSION_DENIED] User does not have CREATE FUNCTION"
    result = run_cli("bootstrap", "--env", "dev", env=environ)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "FAILED" in result.stderr and "CREATE FUNCTION" in result.stderr and "fix:" in result.stderr
    assert not _warehouse(account).records


def test_a_refused_permission_is_bad_input(account: FakeAccount, environ: dict[str, str]) -> None:
    account.denied.add("/api/2.0/sql/statements")
    result = run_cli("bootstrap", "--env", "dev", env=environ)
    assert result.exit_code == 2 and "permission denied" in result.stderr and "admins" in result.stderr


def test_no_warehouse_names_the_workspace_stack(account: FakeAccount, environ: dict[str, str]) -> None:
    _warehouse(account).name = "someone-elses"
    result = run_cli("bootstrap", "--env", "dev", env=environ)
    assert result.exit_code == 2 and "lakeward-dev-sql" in result.stderr
    assert stack_id("dev", WORKSPACE) in result.stderr


def test_missing_credentials_name_the_variables() -> None:
    result = run_cli("bootstrap", "--env", "dev", process=True, unset="DATABRICKS_")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "DATABRICKS_HOST" in result.stderr and "DATABRICKS_TOKEN" in result.stderr


def test_an_unreachable_host_names_the_variables() -> None:
    closed = {"DATABRICKS_HOST": "http://127.0.0.1:9", "DATABRICKS_TOKEN": TOKEN}
    with pytest.raises(LakewardError) as caught:
        bootstrap("dev", closed, retry_seconds=1)
    assert caught.value.exit_code == 2 and "DATABRICKS_HOST" in str(caught.value)
    assert "DATABRICKS_TOKEN" in str(caught.value)


@pytest.mark.parametrize("catalog", ["llm_dev`; DROP TABLE x; --", "a.b", "", "1abc"])
def test_a_hostile_catalog_name_never_reaches_the_sql(catalog: str) -> None:
    with pytest.raises(LakewardError):
        sql.create_function(catalog, FUNCTIONS[0])
    with pytest.raises(LakewardError):
        sql.create_record_table(catalog)


def test_tenant_tables_are_made_once_the_tenant_stack_made_the_catalog(
    account: FakeAccount, environ: dict[str, str]
) -> None:
    """dev's tenants (tenants/*.yaml): claims_analytics's stack is applied, support_insights's is not.
    The first waits for nothing, the second is reported as waiting; after its stack, a rerun makes its
    tables and changes nothing else."""
    warehouse = _warehouse(account)
    warehouse.schemas.add(("claims_analytics_dev", "curated"))
    code, report = _bootstrap(environ)
    assert code == 0
    assert report["waiting"] == [
        {
            "tenant": "support_insights",
            "catalog": "support_insights_dev",
            "waits_for": tenant_stack_id("dev", "support_insights"),
        }
    ]
    created = {step["name"] for step in report["steps"] if step["action"] == "create"}
    assert {f"claims_analytics_dev.curated.{name}" for name in PIPELINE_TABLES} <= created
    assert not any(name.startswith("support_insights_dev.") for name in created)
    ddl = [
        text for text in warehouse.sent(account) if "`claims_analytics_dev`.`curated`.`embeddings`" in text
    ]
    assert any("TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')" in text for text in ddl)
    recorded = {row["name"] for row in warehouse.records}
    assert "claims_analytics_dev.curated.embeddings" in recorded
    shown = run_cli("bootstrap", "--env", "dev", env=environ)
    assert shown.exit_code == 0 and "tenant support_insights: waits for its tenant stack" in shown.stdout

    warehouse.schemas.add(("support_insights_dev", "curated"))
    code, report = _bootstrap(environ)
    changed = {step["name"] for step in report["steps"] if step["action"] != "unchanged"}
    assert code == 0 and report["waiting"] == []
    assert changed == {f"support_insights_dev.curated.{name}" for name in PIPELINE_TABLES}
    assert _bootstrap(environ)[1]["changed"] == 0
