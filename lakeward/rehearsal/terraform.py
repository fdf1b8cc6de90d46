"""Terraform as a child process: found on the machine, offline against a provider mirror, read through
its machine-readable (`-json`) output."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.rehearsal.processes import follow, spawn, stop

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
# Where a filesystem mirror usually lies (terraform's implied local mirror folders, then this project's
# machines); LAKEWARD_PLUGIN_MIRROR or --plugin-mirror comes first.
MIRROR_CANDIDATES = (
    Path.home() / ".terraform.d" / "plugins",
    Path.home() / ".local" / "share" / "terraform" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
    Path("/opt/tf-plugins"),
)
# Variables of the calling shell that could send terraform or the provider elsewhere.
SCRUBBED_PREFIXES = ("AWS_", "TF_")
PLAN_ACTIONS = {"create", "update", "delete", "replace", "move", "import", "remove", "forget"}

Event = dict[str, Any]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def find_terraform(explicit: Path | None = None) -> Path:
    """The terraform binary: `explicit`, else the first on PATH."""
    found = explicit if explicit is not None else shutil.which("terraform")
    if found is None or not Path(found).is_file() or not os.access(found, os.X_OK):
        raise LakewardError(
            "terraform is not installed" if explicit is None else f"{explicit} is not an executable",
            field="--terraform" if explicit is not None else "terraform",
            fix="install terraform 1.10 or newer on PATH (https://developer.hashicorp.com/terraform/install) "
            "or pass --terraform PATH",
        )
    return Path(found)


def mirror_versions(mirror: Path, provider: str = AWS_PROVIDER) -> list[str]:
    """Versions of `provider` that a filesystem mirror holds, oldest first (packed or unpacked layout)."""
    folder = mirror / provider
    if not folder.is_dir():
        return []
    name = provider.rsplit("/", 1)[-1]
    versions = {
        entry.name
        for entry in folder.iterdir()
        if entry.is_dir() and re.fullmatch(r"\d+\.\d+\.\d+", entry.name)
    }
    versions |= {
        match.group(1)
        for entry in folder.glob(f"terraform-provider-{name}_*.zip")
        if (match := re.match(rf"terraform-provider-{name}_(\d+\.\d+\.\d+)_", entry.name))
    }
    return sorted(versions, key=_version_key)


def find_mirror(explicit: Path | None = None) -> tuple[Path, str]:
    """A provider mirror holding the AWS provider, and the newest AWS provider version it holds."""
    if explicit is not None:
        candidates, field_name = [explicit], "--plugin-mirror"
    elif os.environ.get("LAKEWARD_PLUGIN_MIRROR"):
        candidates, field_name = [Path(os.environ["LAKEWARD_PLUGIN_MIRROR"])], "LAKEWARD_PLUGIN_MIRROR"
    else:
        candidates, field_name = list(MIRROR_CANDIDATES), "--plugin-mirror"
    for candidate in candidates:
        versions = mirror_versions(candidate)
        if versions:
            return candidate, versions[-1]
    looked = ", ".join(str(path) for path in candidates)
    raise LakewardError(
        f"no terraform provider mirror with {AWS_PROVIDER} was found (looked in {looked})",
        field=field_name,
        fix="pass --plugin-mirror DIR, a folder laid out as DIR/registry.terraform.io/hashicorp/aws/"
        "VERSION/OS_ARCH/ (`terraform providers mirror DIR` on a machine with internet access writes one)",
    )


def cli_config(mirror: Path) -> str:
    """A terraform CLI configuration that installs providers from `mirror` only, never the registry."""
    return (
        "provider_installation {\n"
        f"  filesystem_mirror {{\n    path    = {json.dumps(str(mirror))}\n"
        '    include = ["registry.terraform.io/*/*"]\n  }\n'
        '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n'
        "}\n"
        "disable_checkpoint = true\n"
    )


# Errors moto's server (not AWS, not the stack) returns now and then under parallel requests: seen once
# in eleven full rehearsals, with the same request succeeding on the next apply.
EMULATOR_RACES = ("The specified rule does not exist in this security group",)


class TerraformFailed(Exception):
    """A terraform command exited non-zero; the message holds its error diagnostics."""


@dataclass
class Terraform:
    """One working folder and the environment every terraform command there runs with."""

    binary: Path
    workdir: Path
    mirror: Path
    env_overrides: dict[str, str]
    on_event: Callable[[Event], None] | None = None
    timeout_s: float = 300.0
    log_name: str = "terraform.log"

    def __post_init__(self) -> None:
        config = self.workdir / "terraform.rc"
        config.write_text(cli_config(self.mirror), encoding="utf-8")
        env = {key: value for key, value in os.environ.items() if not key.startswith(SCRUBBED_PREFIXES)}
        env.update(
            TF_CLI_CONFIG_FILE=str(config),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
        )
        env.update(self.env_overrides)
        self._env = env

    def run(self, *args: str, json_output: bool = True) -> tuple[int, list[Event]]:
        """Run `terraform ARGS` in the working folder; return its exit status and its JSON events."""
        flags = ["-input=false", "-no-color", *(["-json"] if json_output else [])]
        command = [str(self.binary), args[0], *flags, *args[1:]]
        events: list[Event] = []
        text: list[str] = []
        with (self.workdir / self.log_name).open("a", encoding="utf-8") as log:
            log.write(f"$ {' '.join(command)}\n")
            process = spawn(
                command,
                env=self._env,
                cwd=self.workdir,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
            )

            def on_line(line: str) -> None:
                log.write(line)
                event = _parse(line) if json_output else None
                if event is None:
                    text.append(line)
                    return
                events.append(event)
                if self.on_event is not None:
                    self.on_event(event)

            expired = threading.Event()

            def expire() -> None:
                expired.set()
                stop(process, first=signal.SIGINT, grace=20.0)

            timer = threading.Timer(self.timeout_s, expire)
            timer.daemon = True
            timer.start()
            try:
                assert process.stdout is not None
                status = follow(process, process.stdout, on_line)
            finally:
                timer.cancel()
        if expired.is_set():
            busy = ", ".join(in_flight(events)) or "none"
            limit = f"{self.timeout_s:.0f} s"
            raise TerraformFailed(f"terraform {args[0]} ran past {limit} and was stopped (busy: {busy})")
        if status not in (0, 2) or (status == 2 and "-detailed-exitcode" not in args):
            raise TerraformFailed(_failure_message(args[0], events, text))
        return status, events

    def init(self) -> None:
        self.run("init", "-backend=true", json_output=False)

    def plan(self, out: str, *, refresh: bool = True) -> list[dict[str, str]]:
        """Plan into the file `out` and return the changes it holds (resources and outputs).
        `refresh=False` skips reading remote objects, for a first plan when nothing exists yet."""
        args = ["plan", f"-out={out}", "-detailed-exitcode", "-parallelism=20"]
        if not refresh:
            args.append("-refresh=false")
        _, events = self.run(*args)
        return planned_changes(events)

    def apply(self, plan_file: str) -> str | None:
        """Apply `plan_file`. After a known emulator race (see `EMULATOR_RACES`) apply once more without
        the plan, which converges; return the race's message then, None otherwise."""
        try:
            self.run("apply", "-parallelism=20", "-auto-approve", plan_file)
        except TerraformFailed as exc:
            race = next((message for message in EMULATOR_RACES if message in str(exc)), None)
            if race is None:
                raise
            self.run("apply", "-parallelism=20", "-auto-approve")
            return race
        return None

    def destroy(self) -> None:
        # -refresh=false: the state already names every object; refreshing only costs time.
        self.run("destroy", "-auto-approve", "-parallelism=20", "-refresh=false")


def _parse(line: str) -> Event | None:
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and "type" in event else None


def in_flight(events: list[Event]) -> list[str]:
    """Resources whose create, update or delete began and never finished."""
    started: dict[str, None] = {}
    for event in events:
        address = event.get("hook", {}).get("resource", {}).get("addr")
        if event["type"] == "apply_start":
            started[address] = None
        elif event["type"] in ("apply_complete", "apply_errored"):
            started.pop(address, None)
    return list(started)


def planned_changes(events: list[Event]) -> list[dict[str, str]]:
    """The resource and output changes announced in a `terraform plan -json` stream."""
    changes = []
    for event in events:
        change = event.get("change", {})
        if event["type"] == "planned_change" and change.get("action") in PLAN_ACTIONS:
            changes.append({"address": change["resource"]["addr"], "action": change["action"]})
        elif event["type"] == "outputs":
            changes.extend(
                {"address": f"output.{name}", "action": output["action"]}
                for name, output in sorted(event.get("outputs", {}).items())
                if output.get("action") in PLAN_ACTIONS
            )
    return changes


def _failure_message(command: str, events: list[Event], text: list[str]) -> str:
    errors = []
    for event in events:
        diagnostic = event.get("diagnostic")
        if event["type"] == "diagnostic" and diagnostic and diagnostic.get("severity") == "error":
            where = f"{diagnostic['address']}: " if diagnostic.get("address") else ""
            detail = f" ({diagnostic['detail']})" if diagnostic.get("detail") else ""
            errors.append(f"{where}{diagnostic['summary']}{detail}")
    if not errors:
        errors = ["".join(text[-30:]).strip() or "no output"]
    return f"terraform {command} failed:\n  " + "\n  ".join(errors)
