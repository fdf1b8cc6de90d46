"""`lakeward serve`: MLflow's own model server (what Databricks Model Serving runs) on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from workloads.rag.config import RagConfig


def server_command(
    tracking: Path, config: RagConfig, alias: str, port: int, host: str = "127.0.0.1", workers: int = 1
) -> tuple[list[str], dict[str, str]]:
    """The `mlflow models serve` command line and environment for the model version under `alias`."""

    from workloads.rag.tracking import EXPERIMENT, tracking_uri, use_tracking, version_by_alias

    use_tracking(tracking)
    version = version_by_alias(
        tracking,
        config.model_name,
        alias,
        "--alias",
        "register one with `lakeward eval ... --register` (and `lakeward release` for champion)",
    ).version
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "MLFLOW_TRACKING_URI": tracking_uri(tracking),
        "MLFLOW_EXPERIMENT_NAME": EXPERIMENT,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "HF_HUB_OFFLINE": "1",
        "LAKEWARD_MODEL_NAME": config.model_name,
        "LAKEWARD_MODEL_ALIAS": alias,
        "LAKEWARD_MODEL_VERSION": str(version),
        "LAKEWARD_REQUEST_LOG": str((tracking / "requests.jsonl").resolve()),
    }
    mlflow_cli = str(Path(bin_dir) / "mlflow")
    command = [
        mlflow_cli,
        "models",
        "serve",
        "-m",
        f"models:/{config.model_name}@{alias}",
        "--env-manager",
        "local",
        "-h",
        host,
        "-p",
        str(port),
        "-w",
        str(workers),
    ]
    return command, env


def start_server(command: list[str], env: dict[str, str], log=None) -> subprocess.Popen:
    """Start the server in its own process group, so that stopping it stops its workers too."""
    return subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT if log else None, start_new_session=True
    )


def stop_server(process: subprocess.Popen, timeout: float = 20) -> int:
    """SIGTERM the server's process group, SIGKILL it if it outlives `timeout`."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


def serve(tracking: Path, config: RagConfig, alias: str, port: int, workers: int = 1) -> int:
    """Run the server in the foreground until it stops or this process is interrupted or terminated."""
    command, env = server_command(tracking, config, alias, port, workers=workers)
    process = start_server(command, env)
    previous = signal.signal(signal.SIGTERM, lambda *_: stop_server(process))
    try:
        return process.wait()
    except KeyboardInterrupt:
        return stop_server(process)
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_server(process)
