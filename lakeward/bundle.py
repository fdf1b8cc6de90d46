"""`lakeward bundle`: the workloads as a Databricks Asset Bundle, for teams that deploy jobs with the
Databricks CLI. The account, the network and Unity Catalog stay in Terraform; the bundle holds the
wheel and the jobs, rendered from the same job specifications as the workspace stack
(`infra.workspace.job_specs`), one target per environment.

`OUT/databricks.yml` names the prebuilt wheel (`OUT/dist/<wheel>`, byte for byte the one the stacks
upload) as an artifact of type `whl`, and each target uploads it under the environment's artifacts
volume in a folder named by its SHA-256 (`workspace.artifact_path`), so versions never overwrite each
other. Each task also installs the requirements file of its extras (`OUT/dist/requirements-*.txt`,
byte for byte the stacks' files; a local `requirements` path is uploaded by the deploy:
https://docs.databricks.com/dev-tools/bundles/library-dependencies.html), into the same folder.
The jobs run as the jobs service principal on the same cluster policies and GPU pool as the
stacks' jobs: bundle variables look them up by the names the workspace stack gives them
(https://docs.databricks.com/dev-tools/bundles/variables.html#retrieve-an-objects-id-value).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from lakeward.errors import LakewardError
from lakeward.files import staged_directory
from lakeward.wheel import Wheel, project_wheel

if TYPE_CHECKING:
    from infra.config import Environment

BUNDLE_FILE = "databricks.yml"
# Bundle variables for what the workspace stack creates, each looked up by name in the workspace.
VARIABLES = {
    "jobs_service_principal": ("service_principal", "the jobs service principal's application ID"),
    "jobs_policy_id": ("cluster_policy", "the jobs cluster policy"),
    "gpu_policy_id": ("cluster_policy", "the GPU embedding cluster policy"),
    "gpu_pool_id": ("instance_pool", "the GPU instance pool"),
}


@dataclass(frozen=True)
class BundleResult:
    out: Path
    default_target: str
    targets: list[str]
    jobs: list[str]
    wheel: Wheel

    def as_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "bundle": str(self.out / BUNDLE_FILE),
            "default_target": self.default_target,
            "targets": self.targets,
            "jobs": self.jobs,
            "wheel": {"file": str(self.out / "dist" / self.wheel.filename), "sha256": self.wheel.sha256},
        }


def _lookups(prefix: str, principal: str) -> dict[str, str]:
    """The names the workspace stack gives the principal, the policies and the pool."""
    return {
        "jobs_service_principal": principal,
        "jobs_policy_id": f"{prefix}-jobs",
        "gpu_policy_id": f"{prefix}-gpu-embedding",
        "gpu_pool_id": f"{prefix}-gpu",
    }


def target(env: Environment, wheel: Wheel, default: bool) -> dict[str, Any]:
    """One environment's target: its jobs, where the wheel goes and the lookups of its objects."""
    from infra.workspace.job_specs import JobCompute, job_settings, job_specs, requirements_of, volume_path

    compute = JobCompute(
        cpu_policy_id="${var.jobs_policy_id}",
        gpu_policy_id="${var.gpu_policy_id}",
        gpu_pool_id="${var.gpu_pool_id}",
        service_principal="${var.jobs_service_principal}",
    )
    local_wheel = f"./dist/{wheel.filename}"
    jobs = {
        spec.key: {
            **job_settings(env, spec, compute, local_wheel, f"./dist/{requirements_of(env, spec).filename}"),
            "tags": env.resource_tags(),
        }
        for spec in job_specs(env)
    }
    lookups = _lookups(env.prefix, env.groups.jobs_service_principal)
    return {
        **({"default": True} if default else {}),
        "mode": "production",
        "workspace": {
            "root_path": f"/Workspace/Shared/.bundle/lakeward/{env.name}",
            "artifact_path": f"{volume_path(env.catalog.name, 'artifacts')}/{wheel.sha256}",
        },
        "run_as": {"service_principal_name": "${var.jobs_service_principal}"},
        "variables": {name: {"lookup": {kind: lookups[name]}} for name, (kind, _) in VARIABLES.items()},
        "resources": {"jobs": jobs},
    }


def bundle_document(envs: list[Environment], default: str, wheel: Wheel) -> dict[str, Any]:
    """`databricks.yml` for the environments `envs`, `default` the target chosen without `-t`."""
    return {
        "bundle": {"name": "lakeward"},
        "variables": {name: {"description": text} for name, (_, text) in VARIABLES.items()},
        "artifacts": {"lakeward": {"type": "whl", "files": [{"source": f"dist/{wheel.filename}"}]}},
        "targets": {env.name: target(env, wheel, env.name == default) for env in envs},
    }


def _check_out(out: Path) -> None:
    if (out.exists() or out.is_symlink()) and not out.is_dir():
        raise LakewardError(
            "a file, not a folder", source=str(out), field="--out", fix="pass a new or empty folder"
        )
    if out.is_dir() and any(out.iterdir()) and not (out / BUNDLE_FILE).is_file():
        raise LakewardError(
            "refusing to replace a folder that is not a bundle",
            source=str(out),
            field="--out",
            fix="pass an empty or new folder, or one an earlier `lakeward bundle` wrote",
        )


def write_bundle(
    env_name: str, out: Path, *, environments_dir: Path | None = None, wheel: Wheel | None = None
) -> BundleResult:
    """Write `OUT/databricks.yml` and `OUT/dist/<wheel>` with a target per environment file, `env_name`
    the default; all or nothing."""
    from infra.config import ENVIRONMENTS_DIR, load_environment
    from infra.workspace.job_specs import job_specs, requirements_of

    folder = environments_dir or ENVIRONMENTS_DIR
    chosen = load_environment(env_name, folder)
    others = sorted(path.stem for path in folder.glob("*.yaml") if path.stem != chosen.name)
    envs = [chosen, *(load_environment(name, folder) for name in others)]
    _check_out(out)
    wheel = wheel or project_wheel()
    document = bundle_document(envs, chosen.name, wheel)
    requirements = {requirements_of(env, spec) for env in envs for spec in job_specs(env)}
    try:
        with staged_directory(out) as staging:
            (staging / "dist").mkdir()
            shutil.copyfile(wheel.path, staging / "dist" / wheel.filename)
            for each in sorted(requirements, key=lambda each: each.filename):
                (staging / "dist" / each.filename).write_text(each.text, encoding="utf-8")
            (staging / BUNDLE_FILE).write_text(
                "# Written by `lakeward bundle` from infra/workspace/job_specs.py, like the stacks' jobs.\n"
                + yaml.safe_dump(document, sort_keys=False, width=110),
                encoding="utf-8",
            )
    except OSError as exc:
        raise LakewardError(
            f"cannot write the bundle: {exc.strerror or exc}",
            source=str(out),
            field="--out",
            fix="pass a folder you can write to",
        ) from None
    jobs = list(document["targets"][chosen.name]["resources"]["jobs"])
    return BundleResult(out, chosen.name, [env.name for env in envs], jobs, wheel)
