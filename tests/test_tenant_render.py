"""What a tenant renders: its grants matrix, its blast radius, offboarding, and 100 tenants at once."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from lakeward.errors import LakewardError
from lakeward.synth import synthesize_tenants
from lakeward.tenants.loader import TENANTS_DIR, load_tenants
from lakeward.tenants.namespace import Namespace
from lakeward.tenants.offboard import remove_tenant
from lakeward.tenants.plan import TenantPlan, plan_tenant
from policies import contract
from policies.blast_radius import BlastRadius, check_stacks
from stacks.names import tenant_stack_id
from tests.cli import run_cli
from tests.tenant_specs import write_tenants


@pytest.fixture(scope="session")
def claims(tmp_path_factory: pytest.TempPathFactory) -> tuple[TenantPlan, dict[str, Any]]:
    out = tmp_path_factory.mktemp("plan") / "out"
    plan = plan_tenant("claims_analytics", TENANTS_DIR, out=out)
    document = contract.read_document(contract.stack_path(out, plan.stack))
    return plan, document


def test_plan_renders_only_the_tenant_stack(claims: tuple[TenantPlan, dict[str, Any]]) -> None:
    plan, document = claims
    assert plan.stack == tenant_stack_id("dev", "claims_analytics")
    assert plan.findings == [] and "No failed or waived findings." in plan.markdown()
    assert set(document["data"]["terraform_remote_state"]) == {"account", "foundation"}
    resources = document["resource"]
    assert "aws_vpc" not in resources
    assert [c["name"] for c in resources["databricks_catalog"].values()] == ["claims_analytics_dev"]
    serving = next(iter(resources["databricks_model_serving"].values()))
    assert serving["name"] == "claims_analytics-claims-assistant"
    limits = {
        limit.get("principal", limit["key"]): limit["calls"] for limit in serving["ai_gateway"]["rate_limits"]
    }
    assert limits == {"claims-engineers": 120, "claims-analysts": 30, "user": 60, "endpoint": 600}
    entity = serving["config"]["served_entities"][0]
    assert entity["entity_name"] == "claims_analytics_dev.curated.claims_assistant"
    assert (entity["min_provisioned_concurrency"], entity["scale_to_zero_enabled"]) == (0, True)
    policy = json.loads(next(iter(resources["databricks_cluster_policy"].values()))["definition"])
    assert policy["autotermination_minutes"]["value"] == 30 and policy["dbus_per_hour"]["maxValue"] == 20
    assert policy["custom_tags.Tenant"] == {"type": "fixed", "value": "claims_analytics"}
    budget = next(iter(resources["databricks_budget"].values()))
    thresholds = [alert["quantity_threshold"] for alert in budget["alert_configurations"]]
    assert thresholds == ["2500.00", "4000.00", "5000.00"] and budget["provider"] == "databricks.account"
    mask = next(iter(resources["databricks_policy_info"].values()))
    assert mask["except_principals"] == ["claims-platform-admins"]
    assert mask["column_mask"]["function_name"] == "llm_dev.governance.mask_pii"


def test_policies_wait_for_the_bootstrap(claims: tuple[TenantPlan, dict[str, Any]]) -> None:
    """Planned before `lakeward bootstrap`, the tenant stack stops at its plan-time reads of the
    environment's governance functions and governed tags, with a message naming the missing step."""
    _, document = claims
    (functions,) = document["data"]["databricks_functions"].values()
    assert (functions["catalog_name"], functions["schema_name"]) == ("llm_dev", "governance")
    (tags,) = document["data"]["databricks_tag_policies"].values()
    for read, what in ((functions, "llm_dev.governance.mask_pii"), (tags, "governed tag pii")):
        (check,) = read["lifecycle"]["postcondition"]
        assert what in check["error_message"] and "lakeward bootstrap --env dev" in check["error_message"]
    mask = next(iter(document["resource"]["databricks_policy_info"].values()))
    waits = " ".join(mask["depends_on"])
    assert "data.databricks_functions." in waits and "data.databricks_tag_policies." in waits


def test_grants_matrix(claims: tuple[TenantPlan, dict[str, Any]]) -> None:
    plan, _ = claims
    grants = plan.grants
    assert grants["claims_analytics_dev"] == {
        "claims-engineers": ["USE_CATALOG", "USE_SCHEMA", "SELECT", "MODIFY", "CREATE_TABLE"],
        "claims-analysts": ["USE_CATALOG"],
    }
    assert grants["claims_analytics_dev.curated"]["claims-analysts"] == ["USE_SCHEMA", "SELECT"]
    assert "claims-analysts" not in grants["claims_analytics_dev.raw"]
    assert grants["claims_analytics_dev.governance"] == {
        "claims-platform-admins": ["USE_SCHEMA", "EXECUTE", "CREATE_FUNCTION"]
    }
    markdown = plan.markdown()
    assert "| claims-analysts | USE_CATALOG | " in markdown and "### Budget" in markdown
    assert "$5,000 a month; alerts at 50%, 80%, 100%" in markdown


def test_blast_radius_catches_planted_resources(claims: tuple[TenantPlan, dict[str, Any]]) -> None:
    plan, document = claims
    namespace = Namespace.of(plan.tenant, load_environment(plan.environment))
    assert BlastRadius(namespace).violations(document) == []
    planted = copy.deepcopy(document)
    resources = planted["resource"]
    resources["databricks_grants"]["planted_platform"] = {
        "catalog": "claims_analytics_prod",
        "grant": [{"principal": "claims-engineers", "privileges": ["SELECT"]}],
    }
    resources["databricks_secret_scope"]["planted_scope"] = {"name": "hr_assistant-secrets"}
    resources["databricks_secret_acl"]["planted_acl"] = {
        "scope": "claims_analytics-secrets",
        "principal": "hr-data-admins",
        "permission": "READ",
    }
    resources["aws_s3_bucket"] = {"planted_bucket": {"bucket": "claims-analytics-exports"}}
    resources["databricks_policy_info"]["planted_mask"] = {
        "on_securable_fullname": "claims_analytics_dev",
        "column_mask": {"function_name": "hr_assistant_dev.governance.mask_pii"},
    }
    violations = BlastRadius(namespace).violations(planted)
    flagged = {(v.address, v.field) for v in violations}
    assert flagged == {
        ("databricks_grants.planted_platform", "catalog"),
        ("databricks_secret_scope.planted_scope", "name"),
        ("databricks_secret_acl.planted_acl", "principal"),
        ("aws_s3_bucket.planted_bucket", "type"),
        ("databricks_policy_info.planted_mask", "column_mask.function_name"),
    }


def test_check_stacks_refuses_a_planted_stack(
    claims: tuple[TenantPlan, dict[str, Any]], tmp_path: Path
) -> None:
    plan, document = claims
    planted = copy.deepcopy(document)
    planted["resource"]["databricks_catalog"]["planted"] = {"name": "llm_dev"}
    path = contract.stack_path(tmp_path, plan.stack)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(planted))
    with pytest.raises(LakewardError) as caught:
        check_stacks(tmp_path, [(plan.stack, Namespace.of(plan.tenant, load_environment(plan.environment)))])
    assert caught.value.field == "blast radius" and "databricks_catalog.planted.name" in caught.value.message


def test_archive_revokes_access_and_destroy_waits_out_retention(tmp_path: Path) -> None:
    folder = tmp_path / "tenants"
    shutil.copytree(TENANTS_DIR, folder)
    day = dt.date(2026, 11, 26)
    remove_tenant("claims_analytics", folder, today=day)
    tenant = load_tenants(folder)["claims_analytics"]
    assert tenant.archived and tenant.metadata.lifecycle.archived_at == day
    plan = plan_tenant("claims_analytics", folder)
    kinds = {address.split(".")[0] for address in plan.resources}
    assert {"databricks_cluster_policy", "databricks_model_serving", "databricks_budget"}.isdisjoint(kinds)
    assert {principal for grants in plan.grants.values() for principal in grants} == {
        "claims-platform-admins"
    }
    with pytest.raises(LakewardError) as held:
        remove_tenant("claims_analytics", folder, mode="destroy", confirm="claims_analytics", today=day)
    assert held.value.field == "spec.retention_days"
    later = day + dt.timedelta(days=90)
    with pytest.raises(LakewardError) as unconfirmed:
        remove_tenant("claims_analytics", folder, mode="destroy", today=later)
    assert unconfirmed.value.field == "--confirm" and (folder / "claims_analytics.yaml").exists()
    remove_tenant("claims_analytics", folder, mode="destroy", confirm="claims_analytics", today=later)
    assert not (folder / "claims_analytics.yaml").exists()
    with pytest.raises(LakewardError) as active:
        remove_tenant("support_insights", folder, mode="destroy", confirm="support_insights", today=later)
    assert active.value.field == "metadata.lifecycle.state"


def test_one_hundred_tenants_synthesize(tmp_path: Path) -> None:
    folder = tmp_path / "tenants"
    names = write_tenants(folder, 100)
    tenants = load_tenants(folder)
    started = time.perf_counter()
    result = synthesize_tenants(load_environment("dev"), [tenants[n] for n in names], tmp_path / "out")
    seconds = time.perf_counter() - started
    assert [stack.name for stack in result.stacks] == [tenant_stack_id("dev", n) for n in names]
    per_stack = {stack.resources for stack in result.stacks}
    assert len(per_stack) == 1 and per_stack.pop() > 20
    print(f"100 tenants: {result.resources} resources in {seconds:.1f} s")


def test_cli_plan_json_prints_one_object() -> None:
    result = run_cli("tenant", "plan", "hr_assistant", "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["tenant"] == "hr_assistant" and payload["environment"] == "prod"
    assert {"resources", "grants", "findings"} <= set(payload)
    assert any(address.startswith("databricks_policy_info.") for address in payload["resources"])
    assert payload["findings"] == []
    bad = run_cli("tenant", "plan", "nobody")
    assert bad.exit_code == 2 and "NAME" in bad.stderr and "claims_analytics" in bad.stderr
