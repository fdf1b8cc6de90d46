"""Runs inside checkov's own environment (standard library and checkov only; started with `python -I`, so
that this folder's modules never shadow checkov's imports): imports checkov first, then scans what it
is asked.

- `--stdin`: one request read from standard input, scanned in this process (a scanner started ahead
  of the synthesis it follows);
- `--socket PATH`: the `checkov` worker; each request is scanned in a child forked from the imported
  checkov, so every scan starts from the same clean state and loads the policy pack afresh.

A request is `{"argv": [...], "cwd": "...", "env": {...}}`: checkov's arguments without the program
name, the folder to run in and the whole environment to run with.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import traceback
import warnings
from pathlib import Path
from typing import Any


def scan(request: dict[str, Any]) -> int:
    """Run checkov once as `request` says; its exit code."""
    from checkov.main import Checkov

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    return int(Checkov(argv=list(request["argv"])).run() or 0)


def scan_forked(request: dict[str, Any]) -> dict[str, Any]:
    """Scan in a forked child; its exit code, standard output and standard error."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            code = 2
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                code = scan(request)
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        return {
            "returncode": os.waitstatus_to_exitcode(status),
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


def use_libyaml() -> None:
    """Give checkov's line-numbering YAML loader (through which it reads every `.tf.json` file) the
    libyaml parser when PyYAML has it: the same constructor and the same line marks as checkov 3.3's
    `SafeLineLoader` (`checkov/common/parsers/yaml/loader.py`), in about a fifth of the time, which was
    most of a one-stack scan. A test compares this driver's findings with those of the `checkov`
    command on every synthesized stack."""
    import yaml
    from checkov.common.parsers.yaml import loader

    if not hasattr(yaml, "CSafeLoader"):
        return

    class CSafeLineLoader(yaml.CSafeLoader):
        bool_values = loader.SafeLineLoader.bool_values

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            mapping = super().construct_mapping(node, deep=deep)
            mapping["__startline__"] = node.start_mark.line + 1
            mapping["__endline__"] = node.end_mark.line + 1
            return mapping

    loader.SafeLineLoader = CSafeLineLoader


def _prepare() -> Any:
    """Import checkov (most of a scan's start-up) and, for the worker, read checkov's own graph checks:
    a few hundred YAML files that every scan would otherwise parse again (checkov keeps them once read,
    and they change only with its version, which names the worker)."""
    import checkov.main  # noqa: F401
    from checkov.common.bridgecrew.check_type import CheckType

    use_libyaml()
    from checkov.common.checks_infra.registry import get_graph_checks_registry

    get_graph_checks_registry(CheckType.TERRAFORM).load_checks()
    return scan_forked


def main() -> None:
    warnings.simplefilter("ignore", SyntaxWarning)
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--stdin", action="store_true")
    mode.add_argument("--socket", type=Path)
    parser.add_argument("--identity", default="")
    parser.add_argument("--idle-seconds", type=float, default=900.0)
    parser.add_argument("--max-requests", type=int, default=500)
    args = parser.parse_args()
    if args.stdin:
        import checkov.main  # noqa: F401  (the rest of its start-up overlaps nothing: it scans once)

        use_libyaml()
        request = json.loads(sys.stdin.readline() or "null")
        sys.exit(0 if request is None else scan(request))
    server = _server()
    server.exit_on_sigterm()
    server.serve(
        args.socket,
        _prepare,
        info={"kind": "checkov", "identity": args.identity, "cache": ""},
        idle_seconds=args.idle_seconds,
        max_requests=args.max_requests,
    )


def _server() -> Any:
    """`lakeward/workers/server.py` (standard library only), loaded from its file under a name of its own."""
    path = Path(__file__).resolve().parent.parent / "lakeward" / "workers" / "server.py"
    spec = importlib.util.spec_from_file_location("lakeward_worker_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    main()
