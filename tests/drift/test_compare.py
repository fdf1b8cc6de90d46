"""How code and live objects are matched and diffed, on small hand-made stacks (no server, no scan)."""

from __future__ import annotations

import json
from typing import Any

from lakeward.drift.code import read_code
from lakeward.drift.compare import drifts, match
from lakeward.drift.readers import LiveObject, LiveRead

POLICY = {"data_security_mode": {"type": "fixed", "value": "SINGLE_USER"}}


def stack(**resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {"s": {"resource": resources}}


def live(*objects: LiveObject) -> LiveRead:
    read = LiveRead("https://example", list(objects))
    read.attempted = {obj.type for obj in objects} | {"databricks_cluster_policy", "databricks_grants"}
    return read


def changes(code: dict[str, dict[str, Any]], found: LiveRead) -> list[tuple[str, str, str, Any, Any]]:
    return [
        (d.kind, d.resource, d.attribute, d.code, d.live) for d in drifts(match(read_code(code, "t"), found))
    ]


def test_objects_are_matched_by_name_and_only_declared_attributes_compared() -> None:
    code = stack(databricks_cluster_policy={"p": {"name": "jobs", "definition": json.dumps(POLICY)}})
    same = LiveObject(
        "databricks_cluster_policy", "jobs", {"name": "jobs", "definition": POLICY, "policy_id": "ABC"}
    )
    assert changes(code, live(same)) == []
    renamed = LiveObject("databricks_cluster_policy", "jobs-2", {"name": "jobs-2", "definition": POLICY})
    assert changes(code, live(renamed)) == [("removed", "databricks_cluster_policy.p", "", "jobs", None)]


def test_policy_rules_are_compared_whole_and_a_new_rule_is_added() -> None:
    code = stack(databricks_cluster_policy={"p": {"name": "jobs", "definition": json.dumps(POLICY)}})
    rules = {"data_security_mode": {"type": "unlimited"}, "node_type_id": {"type": "unlimited"}}
    found = live(LiveObject("databricks_cluster_policy", "jobs", {"name": "jobs", "definition": rules}))
    assert changes(code, found) == [
        (
            "changed",
            "databricks_cluster_policy.p",
            "definition.data_security_mode",
            POLICY["data_security_mode"],
            {"type": "unlimited"},
        ),
        ("added", "databricks_cluster_policy.p", "definition.node_type_id", None, {"type": "unlimited"}),
    ]


def test_grants_are_keyed_by_principal_and_references_resolve_through_the_code() -> None:
    code = stack(
        databricks_catalog={"c": {"name": "llm"}},
        databricks_grants={
            "g": {
                "catalog": "${databricks_catalog.c.name}",
                "grant": [{"principal": "analysts", "privileges": ["USE_CATALOG", "SELECT"]}],
            }
        },
    )
    attributes = {
        "catalog": "llm",
        "grant": [
            {"principal": "analysts", "privileges": ["SELECT", "USE_CATALOG"]},
            {"principal": "account users", "privileges": ["MODIFY"]},
        ],
    }
    found = live(LiveObject("databricks_grants", "catalog:llm", attributes))
    assert changes(code, found) == [
        ("added", "databricks_grants.g", "grant[account users]", None, attributes["grant"][1])
    ]


def test_values_only_apply_knows_are_not_compared_but_shown_as_such() -> None:
    remote = "${data.terraform_remote_state.x.outputs.id}"
    code = stack(
        databricks_instance_pool={"pool": {"instance_pool_name": "gpu", "max_capacity": 3}},
        databricks_cluster_policy={
            "p": {
                "name": "gpu",
                "description": remote,
                "definition": json.dumps(
                    {
                        "instance_pool_id": {
                            "type": "fixed",
                            "value": "${databricks_instance_pool.pool.instance_pool_id}",
                        }
                    }
                ),
            }
        },
    )
    pool = LiveObject(
        "databricks_instance_pool",
        "gpu",
        {"instance_pool_name": "gpu", "max_capacity": 3, "instance_pool_id": "0101-pool"},
    )
    pinned = {"instance_pool_id": {"type": "fixed", "value": "0101-other"}}
    policy = LiveObject(
        "databricks_cluster_policy", "gpu", {"name": "gpu", "description": "x", "definition": pinned}
    )
    assert changes(code, live(pool, policy)) == [
        (
            "changed",
            "databricks_cluster_policy.p",
            "definition.instance_pool_id",
            {"type": "fixed", "value": "0101-pool"},
            pinned["instance_pool_id"],
        ),
    ]
    unmatched = live(policy)  # the pool is not matched: its ID is unknown, so the rule is not judged
    assert changes(code, unmatched) == []


def test_an_unreadable_type_reports_nothing_removed() -> None:
    code = stack(databricks_ip_access_list={"l": {"label": "corp", "list_type": "ALLOW", "ip_addresses": []}})
    found = LiveRead("https://example")
    assert changes(code, found) == []
    found.attempted = {"databricks_ip_access_list"}
    assert changes(code, found) == [("removed", "databricks_ip_access_list.l", "", "corp", None)]
    found.unreadable = [{"type": "databricks_ip_access_list", "what": "IP access lists", "reason": "403"}]
    assert changes(code, found) == []
