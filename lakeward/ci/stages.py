"""`lakeward ci stages`: the deploy stages of `stacks.stages` as the pipelines under `ci/` run them, in
order, each with what the deploy does: `apply` a stack kind's saved plans, `run` a step's command, or
`skip` it with the reason. The release step is a model release (`lakeward release`, `lakeward rollout`),
never a deploy; the serving stack is applied only when the environment's release file names a champion."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from infra.config import load_environment
from lakeward.output import Outcome
from lakeward.releases.files import load_releases
from stacks.names import SERVING
from stacks.stages import STAGES, Stage

Action = Literal["apply", "run", "skip"]
# Steps that deploy pipelines leave to another command, and why.
NOT_DEPLOYED = {"release": "a model release (`lakeward release`, `lakeward rollout`), not a deploy"}


@dataclass(frozen=True)
class DeployStage:
    """One stage as a deploy runs it; `target` is the stack kind to apply, the command to run, or why
    the stage is skipped."""

    name: str
    action: Action
    target: str
    needs: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "action": self.action, "target": self.target, "needs": list(self.needs)}


def _deploy_stage(stage: Stage, env: str, has_champion: bool) -> DeployStage:
    if stage.name in NOT_DEPLOYED:
        return DeployStage(stage.name, "skip", NOT_DEPLOYED[stage.name], stage.needs)
    if stage.run:
        return DeployStage(stage.name, "run", stage.run.replace("ENV", env), stage.needs)
    assert stage.stack_kind is not None
    if stage.stack_kind == SERVING and not has_champion:
        reason = f"releases/{env}.yaml names no champion, so nothing is served yet"
        return DeployStage(stage.name, "skip", reason, stage.needs)
    return DeployStage(stage.name, "apply", stage.stack_kind, stage.needs)


def deploy_stages(env: str, releases: Path | None = None) -> list[DeployStage]:
    """Every stage of `stacks.stages.STAGES`, in order, as the deploy of `env` runs it."""
    release = load_releases(load_environment(env), releases)
    has_champion = any(endpoint.champion for endpoint in release.endpoints.values())
    return [_deploy_stage(stage, env, has_champion) for stage in STAGES]


def stages(env: str, releases: Path | None) -> Outcome:
    """The stages as JSON, or one tab-separated `NAME ACTION TARGET` line each for shell scripts."""
    found = deploy_stages(env, releases)
    text = "".join(f"{stage.name}\t{stage.action}\t{stage.target}\n" for stage in found)
    return Outcome({"environment": env, "stages": [stage.as_dict() for stage in found]}, text)
