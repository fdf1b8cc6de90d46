"""Tenant specs: the rules, each naming its field, and fuzzed specs that never get half-written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakeward.errors import LakewardError
from lakeward.tenants.loader import TENANTS_DIR, load_tenants, parse_tenant, tenant_json_schema
from lakeward.tenants.plan import plan_tenant
from lakeward.tenants.scaffold import new_tenant
from lakeward.tenants.validate import validate_files
from stacks.names import tenant_stack_id
from tests.cli import run_cli
from tests.tenant_specs import set_path, spec, write_spec

REPO = Path(__file__).resolve().parent.parent


def _error(document: dict[str, Any]) -> LakewardError:
    with pytest.raises(LakewardError) as caught:
        parse_tenant(document, "t.yaml")
    return caught.value


def test_the_issue_example_and_shipped_examples_are_valid() -> None:
    tenants = load_tenants(TENANTS_DIR)
    assert {"claims_analytics", "hr_assistant"} <= set(tenants)
    hr = tenants["hr_assistant"]
    assert hr.is_regulated and [ref.name for ref in hr.spec.workspaces] == ["prod"]
    assert parse_tenant(spec(), "t.yaml").spec.grants[1].securable == "schema:curated"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"metadata.owners": ["jane@example.com"]}, "metadata.owners[0]", "is a person"),
        ({"spec.grants.0.privileges": ["ALL_PRIVILEGES"]}, "spec.grants[0].privileges", "only go to admins"),
        ({"spec.grants.1.privileges": ["MANAGE"]}, "spec.grants[1].privileges", "only go to admins"),
        ({"spec.grants.1.securable": "schema:gold"}, "spec.grants[1].securable", "no schema 'gold'"),
        ({"spec.budget.monthly_usd": 0}, "spec.budget.monthly_usd", "above zero"),
        ({"spec.budget.alerts_at": [0.5, 0.9]}, "spec.budget.alerts_at", "100%"),
        ({"spec.serving.rate_limits": []}, "spec.serving.endpoints[0]", "no rate limit"),
        (
            {"spec.secrets.acls": [{"role": "engineers", "permission": "MANAGE"}]},
            "spec.secrets.acls[0].permission",
            "admins",
        ),
        ({"spec.groups.readers": "claims-analytics-engineers"}, "spec.groups", "different groups"),
        ({"metadata.name": "Claims"}, "metadata.name", "pattern"),
        ({"spec.catalog.schemas": ["raw", "governance"]}, "spec.catalog.schemas", "reserved"),
        ({"spec.compute.autotermination_minutes": 600}, "spec.compute.autotermination_minutes", "less than"),
        (
            {"spec.abac": {"masks": [{"name": "mask_all", "when": "hasTag('pii')"}]}},
            "spec.abac.masks[0].name",
            "not one of the masks lakeward bootstrap creates",
        ),
        (
            {"spec.abac": {"filters": [{"name": "mask_pii", "when": "hasTag('region')"}]}},
            "spec.abac.filters[0].name",
            "not one of the filters",
        ),
        (
            {"spec.abac": {"masks": [{"name": "mask_pii", "when": "hasTag('secret')"}]}},
            "spec.abac.masks[0].when",
            "['secret']",
        ),
    ],
)
def test_each_rule_names_its_field(overrides: dict[str, Any], field: str, words: str) -> None:
    error = _error(spec(**overrides))
    assert error.field == field and words in error.message and error.fix


@pytest.mark.parametrize(
    "scope", [{"metadata.data_classification": "restricted"}, {"metadata.compliance_scopes": ["hipaa"]}]
)
def test_regulated_tenants_need_isolation_and_abac(scope: dict[str, Any]) -> None:
    assert (
        _error(spec(**scope, **{"spec.catalog.isolation_mode": "OPEN"})).field
        == "spec.catalog.isolation_mode"
    )
    assert _error(spec(**scope, **{"spec.abac": {"masks": [], "filters": []}})).field == "spec.abac"
    parse_tenant(
        spec(
            **scope,
            **{
                "spec.abac": {"masks": [], "filters": [{"name": "filter_region", "when": "hasTag('region')"}]}
            },
        ),
        "t",
    )


def test_regulated_tenants_only_in_compliant_workspaces(tmp_path: Path) -> None:
    write_spec(tmp_path, spec(**{"metadata.compliance_scopes": ["hipaa"]}))
    with pytest.raises(LakewardError) as caught:
        load_tenants(tmp_path)
    assert (
        caught.value.field == "spec.workspaces[0]" and "compliance security profile" in caught.value.message
    )
    write_spec(
        tmp_path, spec(**{"metadata.compliance_scopes": ["hipaa"], "spec.workspaces": [{"name": "prod"}]})
    )
    assert load_tenants(tmp_path)["claims_analytics"].is_regulated


def test_folder_rules_unique_names_and_no_shared_principal(tmp_path: Path) -> None:
    write_spec(tmp_path, spec("alpha"))
    write_spec(tmp_path, spec("beta", **{"spec.groups.readers": "alpha-readers"}))
    with pytest.raises(LakewardError) as caught:
        validate_files([tmp_path / "beta.yaml"])
    assert caught.value.field == "spec.groups.readers" and "tenant 'alpha'" in caught.value.message
    (tmp_path / "beta.yaml").unlink()
    (tmp_path / "alpha2.yaml").write_text(yaml.safe_dump(spec("alpha")))
    with pytest.raises(LakewardError, match="differs from the file name"):
        load_tenants(tmp_path)


def test_json_schema_is_exported_and_current() -> None:
    shipped = json.loads((REPO / "schemas" / "tenant.schema.json").read_text())
    assert shipped == json.loads(json.dumps(tenant_json_schema()))
    assert "apiVersion" in shipped["properties"]


def test_new_writes_a_valid_starter_and_refuses_bad_names(tmp_path: Path) -> None:
    path = new_tenant("fraud_ops", tmp_path)
    assert load_tenants(tmp_path)["fraud_ops"].spec.groups.admins == "fraud-ops-admins"
    with pytest.raises(LakewardError, match="already exists"):
        new_tenant("fraud_ops", tmp_path)
    for bad in ("Fraud", "x", "9lives", "a-b-c"):
        with pytest.raises(LakewardError) as caught:
            new_tenant(bad, tmp_path)
        assert caught.value.field == "NAME"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


# Mutations that a reviewer could plausibly make: wrong types, unknown enums, out-of-range numbers.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.lists(st.text(max_size=6), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node: Any, prefix: str = "") -> list[str]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, f"{prefix}.{index}")
    return found


PATHS = _paths(spec())


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(mutations=st.lists(st.tuples(st.sampled_from(PATHS), JUNK), min_size=1, max_size=3))
def test_fuzzed_specs_get_a_clear_error_and_write_nothing(
    tmp_path_factory: pytest.TempPathFactory, mutations
) -> None:
    document = spec()
    for path, value in mutations:
        try:
            set_path(document, path, value)
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    folder = tmp_path_factory.mktemp("fuzz")
    try:
        parse_tenant(document, "fuzz.yaml")
    except LakewardError as error:
        assert error.field and error.message and error.fix, error
        (folder / "claims_analytics.yaml").write_text(yaml.safe_dump(document))
        out = folder / "plan-out"
        with pytest.raises(LakewardError) as planned:
            plan_tenant("claims_analytics", folder, out=out)
        assert planned.value.field and planned.value.fix
        assert not out.exists() and [p.name for p in folder.iterdir()] == ["claims_analytics.yaml"]


def test_cli_new_validate_remove_round_trip(tmp_path: Path) -> None:
    folder = str(tmp_path)
    assert run_cli("tenant", "new", "fraud_ops", "--tenants-dir", folder).exit_code == 0
    checked = run_cli("tenant", "validate", "--tenants-dir", folder, "--json")
    assert checked.exit_code == 0 and json.loads(checked.stdout)["tenants"] == ["fraud_ops"]
    spec_file = tmp_path / "fraud_ops.yaml"
    spec_file.write_text(spec_file.read_text().replace("monthly_usd: 1000", "monthly_usd: -5"))
    bad = run_cli("tenant", "validate", str(spec_file))
    assert bad.exit_code == 2 and "spec.budget.monthly_usd" in bad.stderr and "fix:" in bad.stderr
    spec_file.write_text(spec_file.read_text().replace("monthly_usd: -5", "monthly_usd: 1000"))
    removed = run_cli("tenant", "remove", "fraud_ops", "--tenants-dir", folder, "--json")
    assert removed.exit_code == 0 and json.loads(removed.stdout)["stacks"] == [
        tenant_stack_id("dev", "fraud_ops")
    ]
    assert load_tenants(tmp_path)["fraud_ops"].archived
    refused = run_cli("tenant", "remove", "fraud_ops", "--destroy", "--tenants-dir", folder)
    assert refused.exit_code == 2 and "spec.retention_days" in refused.stderr
    assert spec_file.exists()
