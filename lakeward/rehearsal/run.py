"""The deploy rehearsal: the foundation stack applied for real with terraform against moto's server,
checked through the AWS API and destroyed again.

Steps: emulator, synth, init, plan, apply, drift plan (must find no changes), verify, destroy. A failed
step skips the ones after it, except destroy, which runs whenever apply was attempted.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lakeward.errors import LakewardError
from lakeward.files import write_atomic
from lakeward.rehearsal.checks import CheckResult, Context, Deployed, Expectations, run_checks
from lakeward.rehearsal.emulator import EMULATOR_KEY_ID, EMULATOR_SECRET, check_endpoint, moto_server
from lakeward.rehearsal.moto_fixes import FIXES
from lakeward.rehearsal.processes import sigterm_as_interrupt
from lakeward.rehearsal.rehearsal_stack import rehearsal_stack
from lakeward.rehearsal.terraform import Event, Terraform, TerraformFailed, find_mirror, find_terraform
from policies import contract
from stacks.names import FOUNDATION, stack_id

STATE_FILE = "terraform.tfstate"


@dataclass(frozen=True)
class RehearsalOptions:
    env: str = "dev"
    endpoint: str | None = None
    plugin_mirror: Path | None = None
    terraform: Path | None = None
    keep: bool = False
    environments_dir: Path | None = None


@dataclass
class Step:
    name: str
    seconds: float
    ok: bool
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "seconds": round(self.seconds, 2), "ok": self.ok, "detail": self.detail}


@dataclass
class RehearsalResult:
    environment: str
    stack: str
    steps: list[Step] = field(default_factory=list)
    drift_changes: list[dict[str, str]] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    left_after_destroy: list[str] = field(default_factory=list)
    excluded: list[dict[str, str]] = field(default_factory=list)
    adjustments: list[str] = field(default_factory=list)
    emulator_fixes: list[dict[str, str]] = field(default_factory=list)
    providers: dict[str, str | None] = field(default_factory=dict)
    endpoint: str | None = None
    workdir: str | None = None

    @property
    def ok(self) -> bool:
        return (
            bool(self.steps)
            and all(step.ok for step in self.steps)
            and {step.name for step in self.steps} >= set(STEP_NAMES)
            and not self.drift_changes
            and bool(self.checks)
            and all(check.ok for check in self.checks)
            and not self.left_after_destroy
        )

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    def check(self, name: str) -> CheckResult:
        return next(result for result in self.checks if result.name == name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "environment": self.environment,
            "stack": self.stack,
            "seconds": round(self.seconds, 2),
            "steps": [step.as_dict() for step in self.steps],
            "drift_changes": self.drift_changes,
            "checks": [check.as_dict() for check in self.checks],
            "resources": self.resources,
            "left_after_destroy": self.left_after_destroy,
            "excluded": self.excluded,
            "adjustments": self.adjustments,
            "emulator_fixes": self.emulator_fixes,
            "providers": self.providers,
            "endpoint": self.endpoint,
            "workdir": self.workdir,
        }


STEP_NAMES = ("emulator", "synth", "init", "plan", "apply", "drift plan", "verify", "destroy")


class Reporter(Protocol):
    """Progress hooks for a person watching; the CLI draws them with rich."""

    def step_started(self, name: str) -> None: ...
    def step_finished(self, step: Step) -> None: ...
    def terraform_event(self, event: Event) -> None: ...


class _Quiet:
    def step_started(self, name: str) -> None:
        pass

    def step_finished(self, step: Step) -> None:
        pass

    def terraform_event(self, event: Event) -> None:
        pass


class StepFailed(Exception):
    """Raised inside a step to end it as failed with a message."""


class _Steps:
    """Times each step, records it, and turns an expected failure into a failed step."""

    def __init__(self, result: RehearsalResult, reporter: Reporter) -> None:
        self.result, self.reporter = result, reporter
        self.failed = False

    def run(self, name: str, body: Callable[[], str | None], *, always: bool = False) -> bool:
        if self.failed and not always:
            return False
        self.reporter.step_started(name)
        started = time.perf_counter()
        try:
            detail, ok = body() or "", True
        except LakewardError as exc:  # bad input or a missing tool: a clear error, before anything exists
            self._record(Step(name, time.perf_counter() - started, False, exc.message))
            raise
        except (StepFailed, TerraformFailed) as exc:
            detail, ok = str(exc), False
        except Exception as exc:  # a defect: recorded, and destroy still runs
            detail, ok = f"{type(exc).__name__}: {exc}", False
        except BaseException:  # Ctrl-C or SIGTERM: stop here; the emulator goes with what it holds
            self._record(Step(name, time.perf_counter() - started, False, "interrupted"))
            raise
        self._record(Step(name, time.perf_counter() - started, ok, detail))
        self.failed |= not ok
        return ok

    def _record(self, step: Step) -> None:
        self.result.steps.append(step)
        self.reporter.step_finished(step)


def synthesize_foundation(env_name: str, environments_dir: Path | None, outdir: Path) -> dict[str, Any]:
    """The foundation stack exactly as `lakeward synth` writes it (with a local backend)."""
    from lakeward.synth import synthesize

    result = synthesize(env_name, outdir, backend="local", environments_dir=environments_dir)
    stack = next((s for s in result.stacks if s.name == stack_id(env_name, FOUNDATION)), None)
    if stack is None:
        raise StepFailed(f"synth wrote no foundation stack under {outdir}/stacks")
    return contract.read_document(stack.path)


@contextmanager
def _workdir(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="lakeward-rehearsal-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def rehearse(
    options: RehearsalOptions,
    *,
    stack: dict[str, Any] | None = None,
    reporter: Reporter | None = None,
) -> RehearsalResult:
    """Run the rehearsal. `stack` replaces the synthesized foundation (tests plant misconfigurations
    this way; it then goes through exactly the same steps)."""
    from infra.config import ENVIRONMENTS_DIR, load_environment

    reporter = reporter or _Quiet()
    binary = find_terraform(options.terraform)
    mirror, provider_version = find_mirror(options.plugin_mirror)
    env = load_environment(options.env, options.environments_dir or ENVIRONMENTS_DIR)
    result = RehearsalResult(environment=env.name, stack=stack_id(env.name, FOUNDATION))
    steps = _Steps(result, reporter)
    with ExitStack() as cleanup, sigterm_as_interrupt():
        workdir = cleanup.enter_context(_workdir(options.keep))
        result.workdir = str(workdir) if options.keep else None
        state = workdir / STATE_FILE

        def start_emulator() -> str:
            if options.endpoint:
                result.endpoint = check_endpoint(options.endpoint)
                return f"{result.endpoint} (given)"
            result.endpoint = cleanup.enter_context(
                moto_server(account_id=env.aws.account_id, log_path=workdir / "moto.log")
            )
            result.emulator_fixes = [{"name": fix.name, "defect": fix.defect} for fix in FIXES]
            return result.endpoint

        synthesized: dict[str, Any] = {}

        def synth() -> str:
            synthesized.update(
                stack
                if stack is not None
                else synthesize_foundation(env.name, options.environments_dir, workdir / "synth")
            )
            return f"{contract.resource_count(synthesized)} resources"

        terraform: list[Terraform] = []

        def init() -> str:
            assert result.endpoint is not None
            aimed = rehearsal_stack(synthesized, provider_version=provider_version, state_path=state)
            result.excluded, result.adjustments = aimed.excluded, aimed.adjustments
            result.providers = {
                "synthesized": aimed.synthesized_provider,
                "rehearsed": aimed.rehearsed_provider,
            }
            document = json.dumps(aimed.document, indent=2, sort_keys=True)
            write_atomic(workdir / contract.STACK_FILE, document)
            runner = Terraform(
                binary, workdir, mirror, _child_env(env.aws.region, result.endpoint), reporter.terraform_event
            )
            runner.init()
            terraform.append(runner)
            return f"aws {provider_version} from {mirror}"

        def plan() -> str:
            changes = terraform[0].plan("rehearsal.tfplan", refresh=False)
            resources = [change for change in changes if not change["address"].startswith("output.")]
            return f"{len(resources)} resources to create"

        def apply() -> str:
            race = terraform[0].apply("rehearsal.tfplan")
            result.resources = Deployed.from_state(state).addresses
            retried = f" (applied twice after an emulator race: {race})" if race else ""
            return f"{len(result.resources)} resources{retried}"

        def drift_plan() -> str:
            result.drift_changes = terraform[0].plan("drift.tfplan")
            if result.drift_changes:
                listed = ", ".join(f"{c['action']} {c['address']}" for c in result.drift_changes)
                raise StepFailed(f"the second plan found {len(result.drift_changes)} changes: {listed}")
            return "no changes"

        def verify() -> str:
            assert result.endpoint is not None
            context = Context(
                Deployed.from_state(state),
                Expectations.from_environment(env),
                result.endpoint,
                env.aws.region,
            )
            result.checks = run_checks(context)
            failed = [check.name for check in result.checks if not check.ok]
            if failed:
                raise StepFailed(f"failed checks: {', '.join(failed)}")
            return f"{len(result.checks)} checks passed"

        def destroy() -> str:
            if not Deployed.from_state(state).addresses:
                return "nothing was created"
            terraform[0].destroy()
            result.left_after_destroy = Deployed.from_state(state).addresses
            if result.left_after_destroy:
                raise StepFailed(f"{len(result.left_after_destroy)} resources left in the state")
            return "nothing left"

        steps.run("emulator", start_emulator)
        steps.run("synth", synth)
        if steps.run("init", init) and steps.run("plan", plan):
            steps.run("apply", apply)
            result.resources = result.resources or Deployed.from_state(state).addresses
            steps.run("drift plan", drift_plan)
            steps.run("verify", verify)
            steps.run("destroy", destroy, always=True)
    return result


def _child_env(region: str, endpoint: str) -> dict[str, str]:
    """Environment of every terraform child: test credentials, the emulator as the endpoint of every
    AWS service (`AWS_ENDPOINT_URL`, which the provider honours for each service), no shared config
    files, no instance metadata lookups."""
    return {
        "AWS_ACCESS_KEY_ID": EMULATOR_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": EMULATOR_SECRET,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
