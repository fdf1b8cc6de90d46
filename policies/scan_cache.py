"""checkov's results per stack file in the build cache (`lakeward.cache`), so that only changed stacks
go through checkov.

A stack's results are keyed by its name and bytes, the code checkov runs (the pack, every module of
`policies/checks/` that the registry loads, the runner that prepares the files and reads the report,
with the first-party code they import, and the data files of `policies/` but the waivers) and the
installed checkov version. Each of the pack's checks reads only the
stack file it is scanning, so a stack's results do not depend on which other stacks are scanned with
it. Waivers, severities and controls are applied afterwards (`policies.scan.build_report`), so a
changed waiver re-judges the stored results without running checkov again.
"""

from __future__ import annotations

import dataclasses
from contextlib import suppress
from pathlib import Path

from lakeward.cache import Cache
from lakeward.errors import LakewardError
from lakeward.fingerprint import Code, Unreadable, code_of, digest_text, file_digest

from . import checks as checks_package
from . import contract
from .checkov_runner import CheckovResult, checkov_version

CACHE_KIND = "scan"
POLICIES_DIR = Path(__file__).resolve().parent
SCANNER_MODULES = ("policies.checkov_pack.lakeward_pack", "policies.registry", "policies.checkov_runner")
NOT_SCANNER_INPUT = {"waivers.yaml"}
CHECKOV_ENVIRONMENT = {"checkov", "hcl2"}
CHECKS_DIR = Path(checks_package.__file__).parent
RESULT_FIELDS = {field.name for field in dataclasses.fields(CheckovResult)}


def scanner_digest() -> str:
    """The digest of what checkov runs and of checkov's version; `Unreadable` when any cannot be read."""
    checks = [f"{checks_package.__name__}.{path.stem}" for path in sorted(CHECKS_DIR.glob("*.py"))]
    code = code_of(*SCANNER_MODULES, *checks)
    data = [
        f"{path.relative_to(POLICIES_DIR).as_posix()}={file_digest(path)}"
        for path in sorted(POLICIES_DIR.rglob("*"))
        if path.is_file() and path.suffix not in (".py", ".pyc") and path.name not in NOT_SCANNER_INPUT
    ]
    # The pack imports checkov and its HCL parser in checkov's own environment: checkov's version,
    # counted below, pins both.
    code = Code(code.files, code.third_party - CHECKOV_ENVIRONMENT)
    return digest_text(code.digest(), *data, f"checkov=={checkov_version()}")


class ResultCache:
    """Stored checkov results of stack files, by stack name and bytes."""

    def __init__(self, enabled: bool = True) -> None:
        self.cache = Cache(CACHE_KIND, enabled=enabled)
        self.scanner: str | None = None  # None: nothing is trusted, nothing stored
        if enabled:
            with suppress(Unreadable, LakewardError):
                self.scanner = scanner_digest()

    def key(self, stack: str, path: Path) -> str | None:
        if self.scanner is None:
            return None
        try:
            return digest_text(self.scanner, stack, file_digest(path))
        except Unreadable:
            return None

    def get(self, key: str | None) -> list[CheckovResult] | None:
        payload = self.cache.get(key) if key else None
        if not isinstance(payload, list):
            return None
        if not all(isinstance(item, dict) and item.keys() == RESULT_FIELDS for item in payload):
            return None
        return [CheckovResult(**item) for item in payload]

    def put(self, key: str | None, results: list[CheckovResult]) -> None:
        if key:
            self.cache.put(key, [dataclasses.asdict(result) for result in results])


def by_stack(results: list[CheckovResult], stacks: list[str]) -> dict[str, list[CheckovResult]]:
    """checkov's results split per stack, each in the order checkov reported them."""
    split: dict[str, list[CheckovResult]] = {stack: [] for stack in stacks}
    for result in results:
        split[contract.stack_name(Path(result.file))].append(result)
    return split
