"""Runs checkov once over a set of synthesized stacks, or a folder of hand-written HCL, offline, in its
own virtual environment.

checkov pins packaging<24 and boto3==1.35.49, which conflict with the project's own pins, so the Makefile
installs it into `.venv/checkov` (version pinned in pyproject's `[tool.lakeward] scanner-requirements`)
and Lakeward runs it as a subprocess with JSON output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.fingerprint import Unreadable, digest_text, file_digest
from lakeward.locate import package_file
from lakeward.workers import server
from lakeward.workers.client import IDLE_SECONDS, MAX_REQUESTS, Worker, socket_path
from lakeward.workers.client import enabled as workers_enabled

from . import contract

PACK_DIR = package_file("policies", "checkov_pack")
PACK_LOADED = re.compile(r"lakeward-pack: loaded (\d+) checks")
UNDECIDED = "lakeward-pack: undecided "
BLOCKS_WITH_NESTED_NAMES = ("resource", "data", "provider", "locals", "//")


DRIVER = Path(__file__).resolve().parent / "checkov_driver.py"


class WarmCheckov:
    """A checkov started before the stacks exist; it scans once, when `run` sends it arguments. A lazy
    one starts on `start`: when it turns out that some stack has to be scanned. With `worker`, a
    running `checkov` worker is asked first and nothing is started while one answers."""

    def __init__(self, executable: Path, lazy: bool = False, worker: Worker | None = None) -> None:
        self._python = _interpreter(executable)
        self._process: subprocess.Popen[str] | None = None
        self.worker = worker
        if not lazy:
            self.start()

    def start(self) -> None:
        if self._python is None or self._process is not None:
            return
        if self.worker is not None and self.worker.listening():
            return
        self._process = subprocess.Popen(
            [str(self._python), "-I", str(DRIVER), "--stdin"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"},
        )

    @property
    def available(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def run(self, argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        assert self._process is not None
        request = json.dumps({"argv": argv, "cwd": str(cwd), "env": {**os.environ, **env}}) + "\n"
        stdout, stderr = self._process.communicate(request)
        return subprocess.CompletedProcess(argv, self._process.returncode, stdout, stderr)

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def checkov_worker() -> Worker | None:
    """The `checkov` worker of this checkov and driver, or None when workers are off or there can be
    none (checkov is not a Python console script, or its version cannot be read)."""
    if not workers_enabled():
        return None
    python = _interpreter(checkov_executable())
    if python is None:
        return None
    try:
        identity = digest_text(
            str(python), checkov_version(), file_digest(DRIVER), file_digest(Path(server.__file__))
        )
    except Unreadable:
        return None
    path = socket_path("checkov", identity, "")
    if path is None:
        return None
    command = [str(python), "-I", str(DRIVER), "--socket", str(path), "--identity", identity]
    command += ["--idle-seconds", str(IDLE_SECONDS), "--max-requests", str(MAX_REQUESTS)]
    return Worker("checkov", path, command)


def _interpreter(executable: Path) -> Path | None:
    """The Python a checkov console script runs on (its shebang), if it is one."""
    try:
        first = executable.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
    except OSError:
        return None
    python = Path(first.removeprefix("#!").strip()) if first.startswith("#!/") else None
    return python if python is not None and "python" in python.name and python.is_file() else None


@contextmanager
def warm_checkov(lazy: bool = False, use_worker: bool = False) -> Iterator[WarmCheckov]:
    """Start checkov now (or on `start`, when `lazy`), for a scan that follows the synthesis the caller
    is about to run; with `use_worker`, unless a `checkov` worker answers."""
    warm = WarmCheckov(checkov_executable(), lazy, checkov_worker() if use_worker else None)
    try:
        yield warm
    finally:
        warm.close()


@dataclass(frozen=True)
class CheckovResult:
    """One check outcome on one resource, as checkov reported it."""

    check_id: str
    check_name: str
    resource: str
    file: str
    line: int
    passed: bool
    severity: str | None
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UndecidedResult:
    """A Lakeward check that could not decide from HCL, and the open values its verdict rests on."""

    check_id: str
    resource: str
    file: str
    line: int
    open: list[str]


def checkov_executable() -> Path:
    """`$LAKEWARD_CHECKOV`, else the isolated install beside this interpreter, else checkov on PATH."""
    candidates = [
        os.environ.get("LAKEWARD_CHECKOV"),
        str(Path(sys.prefix) / "checkov" / "bin" / "checkov"),
        shutil.which("checkov"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise LakewardError(
        "checkov is not installed",
        field="scanner",
        fix="run `make setup` (it installs checkov into .venv/checkov) or set LAKEWARD_CHECKOV",
    )


def checkov_version() -> str:
    """The version of the checkov that `checkov_executable` runs, read from the `.dist-info` folder of
    its environment without starting it; `Unreadable` when it cannot be found."""
    python = _interpreter(checkov_executable())
    prefix = python.parent.parent if python else None
    found = sorted(prefix.glob("lib/python*/site-packages/checkov-*.dist-info")) if prefix else []
    if len(found) != 1:
        raise Unreadable("cannot tell which checkov version runs the scan")
    return found[0].name.removesuffix(".dist-info").partition("-")[2]


def scannable_copy(document: dict[str, Any]) -> dict[str, Any]:
    """The document without the scalar settings checkov 3.3's JSON parser rejects.

    checkov's terraform_json parser expects every entry of a block such as `terraform` to be an object,
    so `"required_version": ">= 1.10.0"` makes it drop the whole file with a parsing error. Resources
    and data sources are kept untouched.
    """
    copy = dict(document)
    for block, entries in document.items():
        if block not in BLOCKS_WITH_NESTED_NAMES and isinstance(entries, dict):
            copy[block] = {key: value for key, value in entries.items() if isinstance(value, dict | list)}
    return copy


def run_checkov(
    stack_files: dict[str, Path],
    *,
    with_pack: bool = True,
    warm: WarmCheckov | None = None,
    use_worker: bool = False,
) -> list[CheckovResult]:
    """Scan `{stack name: stack file}` in one checkov run: the `checkov` worker's when `use_worker` (or
    `warm` has one) and it answers, else `warm` when it was started ahead, else a new process; results
    name files as `contract.stack_file` does."""
    executable = checkov_executable()
    with tempfile.TemporaryDirectory(prefix="lakeward-scan-") as tmp:
        root = Path(tmp)
        relative = []
        for stack, path in sorted(stack_files.items()):
            target = contract.stack_path(root, stack)
            target.parent.mkdir(parents=True)
            document = contract.read_document(path)
            target.write_text(
                json.dumps(scannable_copy(document), indent=2, ensure_ascii=False), encoding="utf-8"
            )
            relative.append(contract.stack_file(stack))
        command = [str(executable), "--framework", "terraform_json", "--skip-download", "--compact"]
        command += ["-o", "json", "--output-file-path", str(root / "report")]
        command += [arg for file in relative for arg in ("-f", file)]
        if with_pack:
            command += ["--external-checks-dir", str(PACK_DIR)]
        extra = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "LAKEWARD_SCAN_ROOT": str(root)}
        worker = warm.worker if warm is not None else checkov_worker() if use_worker else None
        done = _scanned_by_worker(worker, command[1:], root, extra) if worker else None
        if done is None and warm is not None and warm.available:
            done = warm.run(command[1:], root, extra)
        if done is None:
            done = _scanned_once(executable, command, root, extra)
        report_file = root / "report" / "results_json.json"
        if done.returncode not in (0, 1) or not report_file.exists():
            raise LakewardError(
                f"checkov exited with {done.returncode}: {done.stderr.strip()[-2000:]}",
                field="scanner",
                fix="run the command again with LAKEWARD_CHECKOV pointing at a working checkov 3.3",
            )
        _verify_pack(done.stderr, with_pack)
        return _parse(json.loads(report_file.read_text(encoding="utf-8")), stack_files)


def _scanned_once(
    executable: Path, command: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """One new checkov run through the driver, so that it reads stacks as the workers do; the command
    itself when checkov is not a Python console script."""
    warm = WarmCheckov(executable)
    try:
        if warm.available:
            return warm.run(command[1:], cwd, env)
    finally:
        warm.close()
    return subprocess.run(
        command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )


def _scanned_by_worker(
    worker: Worker, argv: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str] | None:
    answer = worker.ask({"op": "scan", "argv": argv, "cwd": str(cwd), "env": {**os.environ, **env}})
    if answer is None or not isinstance(answer.get("returncode"), int):
        return None
    return subprocess.CompletedProcess(argv, answer["returncode"], answer["stdout"], answer["stderr"])


def run_checkov_hcl(folder: Path) -> tuple[list[CheckovResult], list[UndecidedResult]]:
    """Scan a folder of `.tf` files (and the local modules it calls) with the built-in checks and the
    pack; results name files relative to `folder`. Modules from a registry are not downloaded."""
    executable = checkov_executable()
    with tempfile.TemporaryDirectory(prefix="lakeward-scan-hcl-") as tmp:
        command = [str(executable), "-d", str(folder.resolve()), "--framework", "terraform"]
        command += ["--skip-download", "--compact", "-o", "json", "--output-file-path", tmp]
        command += ["--external-checks-dir", str(PACK_DIR)]
        done = subprocess.run(
            command,
            env={**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"},
            capture_output=True,
            text=True,
            check=False,
        )
        report_file = Path(tmp) / "results_json.json"
        if done.returncode not in (0, 1) or not report_file.exists():
            raise LakewardError(
                f"checkov exited with {done.returncode}: {done.stderr.strip()[-2000:]}",
                field="scanner",
                fix="run the command again with LAKEWARD_CHECKOV pointing at a working checkov 3.3",
            )
        _verify_pack(done.stderr, with_pack=True)
        report = json.loads(report_file.read_text(encoding="utf-8"))
    unreadable = [
        str(path)
        for part in (report if isinstance(report, list) else [report])
        for path in part.get("results", {}).get("parsing_errors", [])
    ]
    if unreadable:
        raise LakewardError(
            f"checkov could not parse {', '.join(sorted(unreadable))}",
            source=str(folder),
            field="--input",
            fix="run `terraform validate` in the folder and fix the HCL it reports",
        )
    return _parse(report, {}), _undecided(done.stderr)


def _undecided(stderr: str) -> list[UndecidedResult]:
    records = [
        json.loads(line[len(UNDECIDED) :]) for line in stderr.splitlines() if line.startswith(UNDECIDED)
    ]
    return [
        UndecidedResult(
            str(r["check_id"]),
            str(r["resource"]),
            str(r["file"]).lstrip("/"),
            int(r["line"]),
            list(r["open"]),
        )
        for r in records
    ]


def _verify_pack(stderr: str, with_pack: bool) -> None:
    """checkov logs and skips a check file that fails to import; a half-loaded pack must not pass."""
    if "Failed to run check LKW_" in stderr:
        raise LakewardError(
            f"a Lakeward check failed to run:\n{stderr.strip()[-3000:]}",
            field="scanner",
            fix="report the check and the resource named above",
        )
    if "Failed to parse template" in stderr or "Cannot load external check" in stderr:
        raise LakewardError(
            f"checkov could not read a stack or load the policy pack:\n{stderr.strip()[-3000:]}",
            field="scanner",
            fix="fix the stack JSON or the policy module named above",
        )
    if not with_pack:
        return
    from .registry import all_policies

    match = PACK_LOADED.search(stderr)
    expected = len(all_policies())
    if not match or int(match.group(1)) != expected:
        raise LakewardError(
            f"checkov loaded {match.group(1) if match else 'none'} of the {expected} Lakeward checks",
            field="scanner",
            fix="see the checkov log above for the import error in policies/",
        )


def _parse(report: Any, stack_files: dict[str, Path]) -> list[CheckovResult]:
    reports = report if isinstance(report, list) else [report]
    results = []
    for part in reports:
        for key, passed in (("passed_checks", True), ("failed_checks", False)):
            for item in part.get("results", {}).get(key, []):
                file = str(item.get("file_path", "")).lstrip("/")
                results.append(
                    CheckovResult(
                        check_id=item["check_id"],
                        check_name=item.get("check_name") or "",
                        resource=item.get("resource") or "",
                        file=file,
                        line=(item.get("file_line_range") or [0])[0],
                        passed=passed,
                        severity=item.get("severity"),
                        details=[str(d) for d in item.get("details") or []],
                    )
                )
    return results
