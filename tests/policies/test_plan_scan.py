"""`lakeward scan --plan`: a real saved plan from terraform, judged on its planned values, including values
Terraform resolves only at plan time (here `jsonencode` over a variable)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from lakeward.errors import LakewardError
from lakeward.rehearsal.terraform import cli_config, find_mirror
from policies.plan import plan_document
from policies.scan import run_scan
from tests.cli import run_cli

TRUST = (
    '${jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "sts:AssumeRole", '
    'Principal = {AWS = "arn:aws:iam::${var.partner}:root"}%s}]})}'
)
EXTERNAL_ID = ', Condition = {StringEquals = {"sts:ExternalId" = var.external_id}}'

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plan_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`terraform show -json` of a saved plan: two roles trusting a partner account, one without an
    external ID; the trust policies exist as JSON only once terraform has planned them."""
    root = tmp_path_factory.mktemp("plan")
    mirror, version = find_mirror()
    (root / "terraform.rc").write_text(cli_config(mirror), encoding="utf-8")
    config = {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": version}}},
        "provider": {
            "aws": [
                {
                    "region": "us-east-1",
                    "access_key": "test",
                    "secret_key": "test",
                    "skip_credentials_validation": True,
                    "skip_requesting_account_id": True,
                    "skip_metadata_api_check": True,
                }
            ]
        },
        "variable": {"partner": {"default": "123456789012"}, "external_id": {"default": "a1b2c3"}},
        "resource": {
            "aws_iam_role": {
                "partner": {"name": "partner-reader", "assume_role_policy": TRUST % ""},
                "vendor": {"name": "vendor-reader", "assume_role_policy": TRUST % EXTERNAL_ID},
            }
        },
    }
    (root / "main.tf.json").write_text(json.dumps(config), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(TF_CLI_CONFIG_FILE=str(root / "terraform.rc"), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    for args in (["init", "-input=false"], ["plan", "-refresh=false", "-input=false", "-out=plan.out"]):
        done = subprocess.run(
            ["terraform", *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
    shown = subprocess.run(
        ["terraform", "show", "-json", "plan.out"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert shown.returncode == 0, shown.stderr
    out = root / "roles.plan.json"
    out.write_text(shown.stdout, encoding="utf-8")
    return out


def test_a_planted_violation_in_a_real_plan_is_flagged_on_its_resource(plan_json: Path) -> None:
    report = run_scan(plans=[plan_json])
    verdicts = {f.resource: f.status for f in report.findings if f.check_id == "LKW_AWS_003"}
    assert verdicts == {"aws_iam_role.partner": "failed", "aws_iam_role.vendor": "passed"}
    assert report.exit_code == 1 and report.source == "plan:roles.plan.json"


def test_the_cli_scans_a_plan_and_gates_on_it(plan_json: Path, tmp_path: Path) -> None:
    result = run_cli("scan", "--plan", str(plan_json), "--format", "json", "--out", str(tmp_path))
    assert result.exit_code == 1
    findings = json.loads((tmp_path / "results.json").read_text())["findings"]
    assert any(f["check_id"] == "LKW_AWS_003" and f["status"] == "failed" for f in findings)


def test_plan_documents_follow_modules_instances_and_skip_deletions() -> None:
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_s3_bucket.b",
                        "mode": "managed",
                        "type": "aws_s3_bucket",
                        "name": "b",
                        "values": {"bucket": "x"},
                    },
                    {
                        "address": "data.aws_caller_identity.me",
                        "mode": "data",
                        "type": "aws_caller_identity",
                        "name": "me",
                        "values": {},
                    },
                ],
                "child_modules": [
                    {
                        "address": "module.net",
                        "resources": [
                            {
                                "address": "module.net.aws_vpc.v[0]",
                                "mode": "managed",
                                "type": "aws_vpc",
                                "name": "v",
                                "index": 0,
                                "values": {"cidr_block": "10.0.0.0/16"},
                            },
                            {
                                "address": 'module.net.aws_vpc.v["b"]',
                                "mode": "managed",
                                "type": "aws_vpc",
                                "name": "v",
                                "index": "b",
                                "values": {},
                            },
                        ],
                    }
                ],
            }
        },
        "resource_changes": [{"address": "aws_s3_bucket.old", "change": {"actions": ["delete"]}}],
    }
    document = plan_document(plan)
    assert document == {
        "resource": {
            "aws_s3_bucket": {"b": {"bucket": "x"}},
            "aws_vpc": {"net_v_0": {"cidr_block": "10.0.0.0/16"}, "net_v_b": {}},
        }
    }


def test_a_file_that_is_not_a_plan_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "state.json"
    bad.write_text(json.dumps({"version": 4, "resources": []}))
    with pytest.raises(LakewardError) as caught:
        run_scan(plans=[bad])
    assert caught.value.field == "--plan"
    assert run_cli("scan", "--plan", str(bad)).exit_code == 2
