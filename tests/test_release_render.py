"""The serving stack follows releases/<env>.yaml: a challenger gives two routes summing to 100, no
champion gives no endpoint, and a kill switch (an endpoint's or a tenant's) renders AI gateway rate
limits that admit nobody but the platform admins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from tests.cli import run_cli
from tests.footprint import Synthesized

ENV = load_environment("dev")
CHAMPION = "endpoints:\n  lakeward-rag:\n    champion: {version: 1}\n"


def admits(limits: list[dict[str, Any]], groups: set[str]) -> bool:
    """Whether a caller in `groups` gets any calls under AI gateway `limits`, by the documented rules
    (https://docs.databricks.com/aws/en/ai-gateway/rate-limits-beta, "Details and behavior"): the
    endpoint limit is a global maximum; a custom (group) limit overrides the default per-user limit."""
    if any(limit["key"] == "endpoint" and limit["calls"] == 0 for limit in limits):
        return False
    own = [
        limit["calls"] for limit in limits if limit["key"] == "user_group" and limit["principal"] in groups
    ]
    if own:
        return max(own) > 0
    default = [limit["calls"] for limit in limits if limit["key"] == "user"]
    return not default or default[0] > 0


@pytest.fixture(scope="module")
def challenged(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """dev with champion 3, challenger 4 at 10% and the kill switches of the endpoint and a tenant on."""
    root = tmp_path_factory.mktemp("release")
    (root / "releases").mkdir()
    (root / "releases" / "dev.yaml").write_text(
        "endpoints:\n"
        "  lakeward-rag:\n"
        "    champion: {version: 3}\n"
        "    challenger: {version: 4, traffic_percent: 10}\n"
        "    kill_switch: true\n"
        "tenants:\n"
        "  claims_analytics: {kill_switch: true}\n"
    )
    done = run_cli(
        "synth", "--env", "dev", "--releases", root / "releases", "--out", root / "out", "--backend", "local"
    )
    assert done.exit_code == 0, done.stderr
    return Synthesized.load(root / "out")


def test_a_challenger_gives_two_routes_summing_to_100(challenged: Synthesized) -> None:
    _, endpoint = challenged.one("serving", "databricks_model_serving")
    entities = {e["name"]: e["entity_version"] for e in endpoint["config"]["served_entities"]}
    assert entities == {"lakeward-rag-v3": "3", "lakeward-rag-v4": "4"}
    routes = {
        r["served_entity_name"]: r["traffic_percentage"]
        for r in endpoint["config"]["traffic_config"]["routes"]
    }
    assert routes == {"lakeward-rag-v3": 90, "lakeward-rag-v4": 10} and sum(routes.values()) == 100
    [versions] = challenged.stack("serving")["data"]["databricks_registered_model_versions"].values()
    conditions = " ".join(p["condition"] for p in versions["lifecycle"]["postcondition"])
    assert '"3"' in conditions and '"4"' in conditions


def test_a_champion_alone_takes_one_route_of_100(prod: Synthesized) -> None:
    """The repository's prod release: one served entity, one route of 100, stated in every plan."""
    _, endpoint = prod.one("serving", "databricks_model_serving")
    [entity] = endpoint["config"]["served_entities"]
    assert endpoint["config"]["traffic_config"]["routes"] == [
        {"served_entity_name": entity["name"], "traffic_percentage": 100}
    ]


def test_the_kill_switch_admits_only_the_admins(challenged: Synthesized) -> None:
    """The group the endpoint's ACL lets manage it keeps its calls; the group it lets query gets none."""
    _, endpoint = challenged.one("serving", "databricks_model_serving")
    _, acl = challenged.one("serving", "databricks_permissions", "endpoint-lakeward-rag")
    by_level = {entry["permission_level"]: entry["group_name"] for entry in acl["access_control"]}
    limits = endpoint["ai_gateway"]["rate_limits"]
    assert admits(limits, {by_level["CAN_MANAGE"]})
    assert not admits(limits, {by_level["CAN_QUERY"]}) and not admits(limits, set())
    assert {"key": "endpoint", "calls": 300, "renewal_period": "minute"} in limits


def test_the_policy_pack_passes_the_kill_switch(challenged: Synthesized) -> None:
    """0 calls a user is the strictest limit: LKW_DBX_050 (rate limits per user and endpoint) holds."""
    from policies.base import Resource
    from policies.registry import by_id

    name, endpoint = challenged.one("serving", "databricks_model_serving")
    assert by_id()["LKW_DBX_050"].evaluate(Resource("databricks_model_serving", name, endpoint)) == []


def test_a_tenant_kill_switch_admits_only_the_tenants_admins(challenged: Synthesized) -> None:
    """A tenant stack names only the tenant's groups (its blast radius check), so its admins stay in."""
    from lakeward.tenants.loader import load_tenants

    groups = load_tenants()["claims_analytics"].spec.groups.by_role()
    [tenant] = [doc for name, doc in challenged.stacks.items() if "claims_analytics" in name]
    endpoints = list(tenant["resource"]["databricks_model_serving"].values())
    assert endpoints
    others = {group for role, group in groups.items() if role != "admins"}
    for endpoint in endpoints:
        limits = endpoint["ai_gateway"]["rate_limits"]
        assert admits(limits, {groups["admins"]})
        assert [limit["principal"] for limit in limits if limit["key"] == "user_group"] == [groups["admins"]]
        assert others and not any(admits(limits, {group}) for group in others) and not admits(limits, set())


def test_without_a_champion_no_endpoint_is_rendered(tmp_path: Path) -> None:
    """The first deploy needs no model: with no release file, the serving stack holds no endpoint."""
    from lakeward.synth import synthesize

    for folder in ("releases", "tenants"):
        (tmp_path / folder).mkdir()
    out = synthesize(
        "dev",
        tmp_path / "out",
        backend="local",
        tenants_dir=tmp_path / "tenants",
        releases_dir=tmp_path / "releases",
    )
    serving = Synthesized.load(out.out).stack("serving")
    assert "databricks_model_serving" not in serving.get("resource", {})


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("endpoints:\n  other-endpoint:\n    champion: {version: 1}\n", "endpoints.other-endpoint"),
        (
            "endpoints:\n  lakeward-rag:\n    challenger: {version: 2, traffic_percent: 5}\n",
            "endpoints.lakeward-rag",
        ),
        (
            CHAMPION + "    challenger: {version: 2, traffic_percent: 100}\n",
            "traffic_percent",
        ),
        (
            CHAMPION + "    challenger: {version: 1, traffic_percent: 5}\n",
            "endpoints.lakeward-rag",
        ),
        (
            "freeze_overrides:\n  - {owner: '${file(\"/etc/passwd\")}', reason: long enough reason, "
            "recorded: 2026-01-01, expires: 2026-01-02}\n",
            "owner",
        ),
        ("tenants:\n  ../x: {kill_switch: true}\n", "tenants"),
        ("endpoints: [1, 2]\n", "endpoints"),
        ("a: &a [*a]\n", None),
    ],
)
def test_bad_release_files_are_refused_naming_the_field(tmp_path: Path, text: str, field: str | None) -> None:
    from lakeward.errors import LakewardError
    from lakeward.releases.files import load_releases

    (tmp_path / "dev.yaml").write_text(text)
    with pytest.raises(LakewardError) as caught:
        load_releases(ENV, tmp_path)
    assert caught.value.fix
    if field:
        assert field in (caught.value.field or ""), caught.value
