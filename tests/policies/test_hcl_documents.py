"""How HCL values reach the checks (`policies/hcl.py`), without checkov: which strings are literals,
references or open, how dynamic blocks expand, and when a verdict is undecided."""

from __future__ import annotations

from typing import Any

import pytest

from policies.base import Resource
from policies.checks.grants import GrantsBroadGroupsReadOnly
from policies.checks.workspace import IpAccessListNarrow
from policies.hcl import Reads, Scope, Unresolved, Vertex, body, classify, documents, expand_dynamic, judge

SCOPE = Scope(
    frozenset({"aws_s3_bucket.root", "data.aws_iam_policy_document.tls"}),
    {"environment": "prod", "groups": ["analysts", "account users"]},
    {"runtime": "16.4.x-scala2.12"},
    frozenset({"nothing_sets_this"}),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i3.xlarge", "i3.xlarge"),
        ("sts.amazonaws.com", "sts.amazonaws.com"),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/*"),
        ("aws_s3_bucket.root.arn", "${aws_s3_bucket.root.arn}"),
        ("data.aws_iam_policy_document.tls.json", "${data.aws_iam_policy_document.tls.json}"),
        ("${aws_s3_bucket.root.arn}/*", "${aws_s3_bucket.root.arn}/*"),
        ("gov-${var.environment}", "gov-prod"),
        ("local.runtime", "16.4.x-scala2.12"),
        ("var.groups", ["analysts", "account users"]),
    ],
)
def test_literals_and_references_to_the_module_are_known(text: str, expected: Any) -> None:
    value = classify(text, SCOPE)
    assert value == expected and not isinstance(value, Unresolved)


@pytest.mark.parametrize(
    "text",
    [
        "var.nothing_sets_this",
        "${var.nothing_sets_this}",
        "module.network.vpc_id",
        "aws_iam_role.declared_elsewhere.arn",
        "each.value.principal",
        'jsonencode(merge(local.base, {"a" = 1}))',
        '${file("${path.module}/policy.json")}',
        "x-%{if true}y%{endif}",
    ],
)
def test_values_the_hcl_leaves_open_are_unresolved(text: str) -> None:
    assert isinstance(classify(text, SCOPE), Unresolved)


def test_dynamic_blocks_expand_after_the_static_ones() -> None:
    raw = {
        "grant": [{"principal": ["admins"], "privileges": [["ALL_PRIVILEGES"]]}],
        "dynamic": [
            {
                "grant": {
                    "for_each": ["${toset(var.groups)}"],
                    "content": [{"principal": ["${grant.value}"], "privileges": [["SELECT"]]}],
                }
            },
            {
                "grant": {
                    "for_each": [{"ops": ["MODIFY"]}],
                    "iterator": ["${g}"],
                    "content": [{"principal": ["${g.key}"], "privileges": ["${g.value}"]}],
                }
            },
        ],
    }
    grants = expand_dynamic(raw, SCOPE)["grant"]
    assert [(g["principal"], g["privileges"]) for g in grants] == [
        ("admins", ["ALL_PRIVILEGES"]),
        ("analysts", ["SELECT"]),
        ("account users", ["SELECT"]),
        ("ops", ["MODIFY"]),
    ]
    open_raw = {"dynamic": [{"grant": {"for_each": ["${var.nothing_sets_this}"], "content": [{}]}}]}
    assert isinstance(expand_dynamic(open_raw, SCOPE)["grant"], Unresolved)


def test_a_dynamic_block_whose_hcl_is_not_at_hand_is_open() -> None:
    config = {"dynamic": [{"grant": {"content": [{"principal": ["grant.value"]}]}}], "catalog": ["main"]}
    converted = body(config, SCOPE)
    assert converted["catalog"] == "main" and isinstance(converted["grant"], Unresolved)


def resource(type_: str, config: dict[str, Any], raw: dict[str, Any] | None = None) -> tuple[Resource, Reads]:
    """One resource as checkov's graph would hand it over, in a tracked document."""
    reads = Reads()
    vertices = [
        Vertex("variable", "", "", "nothing_sets_this", {}, "main.tf"),
        Vertex("resource", "", type_, "r", config, "main.tf"),
    ]
    document = documents(vertices, reads, {("main.tf", type_, "r"): raw} if raw else None)[("", "")]
    return Resource(type_, "r", document["resource"][type_]["r"], document), reads


def test_a_problem_found_before_anything_open_was_read_is_a_failure() -> None:
    config = {
        "grant": [
            {"principal": ["account users"], "privileges": [["MODIFY"]]},
            {"principal": ["var.nothing_sets_this"], "privileges": [["MODIFY"]]},
        ]
    }
    found, reads = resource("databricks_grants", config)
    verdict = judge(GrantsBroadGroupsReadOnly(), found, reads)
    assert verdict is not None and verdict.problems == ["'account users' is granted MODIFY"]
    assert not verdict.undecided


def test_a_verdict_that_rests_on_an_open_value_is_undecided() -> None:
    """checkov puts [] in place of a list variable nothing sets; the file's expression keeps it open."""
    config = {"list_type": ["ALLOW"], "ip_addresses": [[]]}
    raw = {"list_type": ["ALLOW"], "ip_addresses": ["${var.nothing_sets_this}"]}
    found, reads = resource("databricks_ip_access_list", config, raw)
    verdict = judge(IpAccessListNarrow(), found, reads)
    assert verdict is not None and verdict.undecided
    assert verdict.open == ["${var.nothing_sets_this}"]
