"""The deploy stages (stacks/stages.py) against the synthesized stacks, read through policies.contract:
each stack belongs to one stage, reads only stages it needs, installs only wheels uploaded no later
than itself, and serves no model and calls no Unity Catalog function that no earlier stage creates."""

from __future__ import annotations

import hashlib
import re

import pytest

from conftest import REPO
from policies import contract
from stacks.names import parse_stack_id, stack_id
from stacks.stages import (
    MODEL_VERSION,
    STAGES,
    UC_FUNCTIONS,
    deploy_order_markdown,
    prerequisites,
    stage_named,
    stage_of,
)
from tests.footprint import Synthesized


@pytest.fixture(params=["dev", "prod"])
def synth(request: pytest.FixtureRequest, synthesized: dict[str, Synthesized]) -> Synthesized:
    return synthesized[request.param]


def _stage_index(stack: str) -> int:
    return STAGES.index(stage_of(stack))


def _created_before(stack: str) -> set[str]:
    return {made for need in prerequisites(stage_of(stack).name) for made in stage_named(need).creates}


def test_the_stages_are_the_shared_plan_in_an_order_that_meets_every_need() -> None:
    names = [stage.name for stage in STAGES]
    assert names == [
        "metastore",
        "foundation",
        "account",
        "workspace",
        "bootstrap",
        "tenants",
        "tenant-tables",
        "retrieval",
        "release",
        "serving",
    ]
    for index, stage in enumerate(STAGES):
        assert set(stage.needs) <= set(names[:index]), f"{stage.name} needs a later stage"
        assert (stage.kind == "step") == (stage.run is not None) == (stage.stack_kind is None)


def test_the_readme_lists_the_deploy_order_the_stages_define() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [listed] = re.findall(r"<!-- deploy-order:[^>]*-->\n(.*?)<!-- /deploy-order -->", readme, re.S)
    assert listed == deploy_order_markdown(), "README.md: render it again from stacks/stages.py"


def test_every_stack_reads_only_stages_it_needs(synth: Synthesized) -> None:
    """Each remote state a stack reads (CDK Terrain's cross-stack references and `remote_state`)
    belongs to a stage its own stage needs, directly or through another."""
    for stack, document in synth.stacks.items():
        env = parse_stack_id(stack).env
        stage = stage_of(stack)
        for name in contract.block(document, "data").get("terraform_remote_state", {}):
            source = name.removeprefix("cross-stack-reference-input-")
            source = source if source.startswith("lakeward-") else stack_id(env, source)
            assert stage_of(source).name in prerequisites(stage.name), f"{stack} reads {source}"


def test_every_installed_wheel_is_uploaded_by_the_same_or_an_earlier_stage(synth: Synthesized) -> None:
    uploads = {
        path: (stack, address)
        for stack, document in synth.stacks.items()
        for path, address in contract.uploaded_files(document).items()
    }
    installed = 0
    for stack, document in synth.stacks.items():
        jobs = contract.resources_of(document, "databricks_job")
        for job, path in contract.installed_wheels(document):
            assert path in uploads, f"{stack}: job {job} installs {path}, which nothing uploads"
            source, address = uploads[path]
            assert _stage_index(source) <= _stage_index(stack)
            if source == stack:
                assert address in jobs[job]["depends_on"], f"{job} does not wait for {address}"
            installed += 1
    assert installed >= 7


def test_every_installed_requirements_file_is_content_addressed_and_uploaded_with_its_jobs(
    synth: Synthesized,
) -> None:
    """A job's requirements file is uploaded by its own stack (the same stage as the job), which the
    job waits for, at `<artifacts volume>/<sha256 of the uploaded bytes>/<file>`."""
    installed = 0
    for stack, document in synth.stacks.items():
        uploads = contract.uploaded_files(document)
        sources = {
            f"databricks_file.{name}": body["source"]
            for name, body in contract.resources_of(document, "databricks_file").items()
        }
        jobs = contract.resources_of(document, "databricks_job")
        for job, path in contract.installed_requirements(document):
            assert path in uploads, f"{stack}: job {job} installs {path}, which its own stack does not upload"
            assert uploads[path] in jobs[job]["depends_on"], f"{job} does not wait for {uploads[path]}"
            digest = hashlib.sha256((synth.out / "stacks" / stack / sources[uploads[path]]).read_bytes())
            assert path.split("/")[-2] == digest.hexdigest(), f"{path} is not named by its content"
            installed += 1
    assert installed >= 7


def test_no_stage_serves_a_model_or_calls_a_function_no_earlier_stage_creates(synth: Synthesized) -> None:
    """A served model version comes from the release step; a stack that serves its own tenant's model
    checks that the version exists (a data source whose postcondition names the missing step) before
    its endpoint. Unity Catalog functions come from the bootstrap."""
    for stack, document in synth.stacks.items():
        created = _created_before(stack)
        guards = {
            f"data.databricks_registered_model_versions.{name}"
            for name, body in contract.block(document, "data")
            .get("databricks_registered_model_versions", {})
            .items()
            if body.get("lifecycle", {}).get("postcondition")
        }
        endpoints = contract.resources_of(document, "databricks_model_serving")
        for endpoint, model, version in contract.served_models(document):
            guarded = guards & set(endpoints[endpoint].get("depends_on", []))
            assert MODEL_VERSION in created or guarded, f"{stack} serves {model} v{version} too early"
        for type_, name, function in contract.called_functions(document):
            assert UC_FUNCTIONS in created, f"{stack}: {type_}.{name} calls {function} before bootstrap"


def test_the_workspace_needs_no_model_and_no_function(synth: Synthesized) -> None:
    workspace = synth.stack("workspace")
    assert not list(contract.served_models(workspace)) and not list(contract.called_functions(workspace))
