"""Hand-written HCL: `lakeward scan --input DIR` and `checkov -d DIR --external-checks-dir <pack>` judge a
folder of `.tf` files with every check of the pack, through checkov 3's parse of the folder.

The fixtures under `hcl/` are written in the styles real modules use: variables with defaults, locals,
`jsonencode` policies, a local module call, `for_each`, `count` and `dynamic` blocks. `violations/`
plants one violation in each style, `compliant/` fixes them all, `undecided/` leaves values open
(variables nothing sets, a module from a registry, a policy read from a file), and `every_check/` holds
a resource of each type the pack checks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

from policies import checkov_runner
from policies.base import Policy
from policies.registry import all_policies
from policies.reports import to_junit
from policies.scan import Finding, ScanReport, scan_hcl
from tests.cli import run_cli

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "hcl"
# Built-in checkov checks on the bucket: public access block, default KMS encryption.
S3_BUILTINS = ("CKV2_AWS_6", "CKV_AWS_145")


@cache
def scan(name: str) -> ScanReport:
    return scan_hcl(FIXTURES / name, [], source=f"hcl:{name}")


def line_of(path: Path, text: str) -> int:
    """The line of a fixture file that starts with `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(text))


def found(report: ScanReport, check_id: str, resource: str, status: str = "failed") -> Finding:
    matches = [
        f
        for f in [*report.findings, *report.undecided]
        if (f.check_id, f.resource, f.status) == (check_id, resource, status)
    ]
    assert matches, f"no {status} {check_id} on {resource}"
    return matches[0]


VIOLATIONS = [
    # (check, resource, file, how the line that opens its block starts); the styles: see the test below
    ("LKW_DBX_041", "databricks_grants.catalog", "main.tf", 'resource "databricks_grants" "catalog"'),
    ("LKW_DBX_040", "databricks_grants.schema", "main.tf", 'resource "databricks_grants" "schema"'),
    ("LKW_DBX_075", "databricks_ip_access_list.corporate", "main.tf", 'resource "databricks_ip_access_list"'),
    ("LKW_DBX_011", "databricks_cluster_policy.jobs", "main.tf", 'resource "databricks_cluster_policy"'),
    ("LKW_DBX_021", "databricks_instance_pool.gpu[1]", "main.tf", 'resource "databricks_instance_pool"'),
    (
        "LKW_DBX_052",
        'databricks_model_serving.endpoint["embed"]',
        "main.tf",
        'resource "databricks_model_serving"',
    ),
    (
        "LKW_DBX_032",
        "module.app_secrets.databricks_secret_scope.this",
        "modules/secret_scope/main.tf",
        'resource "databricks_secret_scope"',
    ),
    ("LKW_AWS_001", "aws_s3_bucket_policy.root", "aws.tf", 'resource "aws_s3_bucket_policy"'),
    ("LKW_AWS_003", "aws_iam_role.cross_account", "aws.tf", 'resource "aws_iam_role"'),
    ("LKW_AWS_005", "aws_iam_role.cross_account", "aws.tf", 'resource "aws_iam_role"'),
    *((check, "aws_s3_bucket.root", "aws.tf", 'resource "aws_s3_bucket" "root"') for check in S3_BUILTINS),
]


@pytest.mark.parametrize(
    ("check_id", "resource", "file", "start"), VIOLATIONS, ids=[f"{v[0]}-{v[1]}" for v in VIOLATIONS]
)
def test_a_violation_planted_in_each_style_is_flagged_at_its_line(
    check_id: str, resource: str, file: str, start: str
) -> None:
    """variable default (041), dynamic block over a map (040), local (075), jsonencode (011, AWS_001,
    AWS_003, AWS_005), count (021 on the second instance only), for_each (052 on one endpoint only),
    a local module (032, in the module's own file)."""
    finding = found(scan("violations"), check_id, resource)
    folder = FIXTURES / "violations"
    assert finding.file == (folder / file).as_posix()
    assert finding.line == line_of(folder / file, start)
    assert finding.stack == "violations"


def test_only_the_planted_instances_fail() -> None:
    report = scan("violations")
    failed = {(f.check_id, f.resource) for f in report.with_status("failed")}
    assert ("LKW_DBX_021", "databricks_instance_pool.gpu[0]") not in failed
    assert ("LKW_DBX_052", 'databricks_model_serving.endpoint["chat"]') not in failed
    assert ("LKW_DBX_021", "databricks_instance_pool.gpu[0]") in {
        (f.check_id, f.resource) for f in report.with_status("passed")
    }
    details = found(report, "LKW_DBX_075", "databricks_ip_access_list.corporate").details
    assert details == ["0.0.0.0/0 is broader than /8"]


def test_the_compliant_module_passes_every_check() -> None:
    report = scan("compliant")
    lakeward = [f for f in report.findings if f.check_id.startswith("LKW_")]
    assert [f for f in lakeward if f.status != "passed"] == []
    assert report.undecided == []
    passed = {(f.check_id, f.resource) for f in lakeward}
    for check_id, resource, _, _ in VIOLATIONS:
        if check_id.startswith("LKW_") and check_id != "LKW_DBX_021":
            expected = resource.replace('["embed"]', '["chat"]').replace("[1]", "[0]")
            assert (check_id, expected) in passed, f"{check_id} did not pass on {expected}"
    for check_id in ("LKW_DBX_082", "LKW_DBX_083", "LKW_DBX_084"):
        assert (check_id, "databricks_storage_credential.metastore") in passed, "required settings present"
    builtins = {(f.check_id, f.status) for f in report.findings if f.resource == "aws_s3_bucket.root"}
    assert {(check, "passed") for check in S3_BUILTINS} <= builtins


OPEN_CASES = [
    # A list variable nothing sets: checkov puts [] in its place, which must not read as "empty".
    ("LKW_DBX_075", "databricks_ip_access_list.corporate", "${var.allowed_ranges}"),
    # A dynamic block over a variable nothing sets.
    *(
        (check, "databricks_grants.catalog", "${var.catalog_grants}")
        for check in ("LKW_DBX_040", "LKW_DBX_041", "LKW_DBX_042")
    ),
    # A cluster policy read from a file.
    *(
        (f"LKW_DBX_01{n}", "databricks_cluster_policy.jobs", '${file("${path.module}/policy.json")}')
        for n in range(9)
    ),
    ("LKW_DBX_052", "databricks_model_serving.chat", "${var.pii_behavior}"),
    # Resources a registry module may create, which checkov does not download.
    *(
        (
            check,
            "databricks_storage_credential.metastore",
            f"{kind} (module workspace_settings may create some)",
        )
        for check, kind in (
            ("LKW_DBX_082", "databricks_workspace_conf"),
            ("LKW_DBX_083", "databricks_restrict_workspace_admins_setting"),
            ("LKW_DBX_084", "databricks_ip_access_list"),
        )
    ),
]


@pytest.mark.parametrize(
    ("check_id", "resource", "open_value"), OPEN_CASES, ids=[f"{u[0]}-{u[1]}" for u in OPEN_CASES]
)
def test_a_check_that_cannot_decide_from_the_hcl_says_so_rather_than_passing(
    check_id: str, resource: str, open_value: str
) -> None:
    report = scan("undecided")
    finding = found(report, check_id, resource, status="undecided")
    assert open_value in finding.details[0] and finding.details[0].startswith("cannot decide from the HCL")
    assert finding.line > 1 and finding.file.endswith("undecided/main.tf")
    assert not [f for f in report.findings if (f.check_id, f.resource) == (check_id, resource)]


def test_subfolders_checkov_reads_as_roots_of_their_own_are_judged_apart(tmp_path: Path) -> None:
    """checkov reads every subfolder (examples, environments) as a root module of its own; resources of
    the same name in two of them are judged each on its own file."""
    folder = tmp_path / "module"
    shutil.copytree(FIXTURES / "compliant", folder)
    shutil.copytree(FIXTURES / "violations", folder / "examples" / "basic")
    report = scan_hcl(folder, [])
    verdicts = {
        (f.file.removeprefix(f"{folder.as_posix()}/"), f.status)
        for f in report.findings
        if (f.check_id, f.resource) == ("LKW_DBX_041", "databricks_grants.catalog")
    }
    assert verdicts == {("main.tf", "passed"), ("examples/basic/main.tf", "failed")}
    scopes = {
        (f.file.removeprefix(f"{folder.as_posix()}/"), f.status)
        for f in report.findings
        if (f.check_id, f.resource) == ("LKW_DBX_032", "module.app_secrets.databricks_secret_scope.this")
    }
    assert scopes == {
        ("modules/secret_scope/main.tf", "passed"),
        ("examples/basic/modules/secret_scope/main.tf", "failed"),
    }


def test_a_tfvars_file_in_the_folder_decides_what_it_sets(tmp_path: Path) -> None:
    folder = tmp_path / "with-tfvars"
    shutil.copytree(FIXTURES / "undecided", folder)
    (folder / "terraform.tfvars").write_text(
        'allowed_ranges = ["10.0.0.0/8", "0.0.0.0/0"]\npii_behavior = "NONE"\n', encoding="utf-8"
    )
    report = scan_hcl(folder, [])
    assert found(report, "LKW_DBX_075", "databricks_ip_access_list.corporate").details == [
        "0.0.0.0/0 is broader than /8"
    ]
    assert found(report, "LKW_DBX_052", "databricks_model_serving.chat").details == [
        "guardrails.input.pii.behavior is 'NONE', not BLOCK or MASK"
    ]


def test_undecided_checks_neither_pass_nor_block_and_appear_in_the_reports() -> None:
    report = scan("undecided")
    certain = {
        f.check_id for f in report.with_status("failed") if f.resource == "databricks_model_serving.chat"
    }
    assert "LKW_DBX_050" in certain, "a problem found from known values alone is still a failure"
    payload = report.as_dict()
    assert payload["failed"] == len(report.with_status("failed"))
    assert {item["status"] for item in payload["undecided"]} == {"undecided"}
    junit = ET.fromstring(to_junit(report))
    messages = [skip.get("message", "") for skip in junit.iter("skipped")]
    assert len(messages) == len(report.undecided) and junit.get("skipped") == str(len(messages))
    assert all(message.startswith("undecided: cannot decide from the HCL") for message in messages)


@pytest.mark.parametrize("policy", all_policies(), ids=lambda policy: policy.id)
def test_every_check_runs_on_hcl(policy: Policy) -> None:
    """Each check reports on at least one resource of `every_check/` (passed, failed or undecided) and
    none fails to run (the scan raises on a check that crashes); the one check that guards synthesized
    JSON only reports nothing on HCL."""
    report = scan("every_check")
    reported = {f.check_id for f in [*report.findings, *report.undecided]}
    assert (policy.id in reported) is not policy.synthesized_only


def test_lakeward_scan_input_takes_a_folder_of_tf_files(tmp_path: Path) -> None:
    result = run_cli(
        "scan", "--input", FIXTURES / "violations", "--format", "json", "--out", tmp_path, "--json"
    )
    assert result.exit_code == 1
    report = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert report["source"] == f"hcl:{FIXTURES / 'violations'}"
    assert "undecided" not in report
    failed = {(f["check_id"], f["resource"]) for f in report["findings"] if f["status"] == "failed"}
    assert ("LKW_DBX_032", "module.app_secrets.databricks_secret_scope.this") in failed


def test_checkov_called_directly_loads_the_pack_and_says_what_it_cannot_decide(tmp_path: Path) -> None:
    """What a team that runs checkov itself types: no Lakeward in between."""
    checkov = str(checkov_runner.checkov_executable())
    pack = str(checkov_runner.PACK_DIR)
    for name, expected in (("violations", "LKW_DBX_040"), ("undecided", "LKW_DBX_075")):
        command = [checkov, "-d", str(FIXTURES / name), "--framework", "terraform", "--skip-download"]
        done = subprocess.run(
            [*command, "--external-checks-dir", pack, "-o", "json", "--compact"],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
            env={"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 1, done.stderr[-2000:]
        assert f"lakeward-pack: loaded {len(all_policies())} checks" in done.stderr
        assert "Failed to run check" not in done.stderr
        failed = {item["check_id"] for item in json.loads(done.stdout)["results"]["failed_checks"]}
        undecided = [line for line in done.stderr.splitlines() if line.startswith(checkov_runner.UNDECIDED)]
        if name == "violations":
            assert expected in failed and undecided == []
        else:
            assert expected not in failed
            assert any(
                json.loads(line[len(checkov_runner.UNDECIDED) :])["check_id"] == expected
                for line in undecided
            )
