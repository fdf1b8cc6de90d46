"""Environment files: the shipped ones validate; bad ones are refused naming file, field and fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO
from infra.config import environment_json_schema, load_environment, load_environment_file
from lakeward.errors import LakewardError
from tests.cli import run_cli


def _write(tmp_path: Path, data: dict[str, Any], name: str = "dev") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def dev_data() -> dict[str, Any]:
    return yaml.safe_load((REPO / "environments" / "dev.yaml").read_text())


def _mutate(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    node = data
    *parents, last = dotted.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return data


def test_shipped_environments_load() -> None:
    dev, prod = load_environment("dev"), load_environment("prod")
    assert (dev.tier.value, prod.tier.value) == ("dev", "prod")
    assert prod.is_production and not dev.is_production
    assert dev.resource_tags()["Environment"] == "dev"
    assert len(prod.network.availability_zones) >= 2


BAD_VALUES = [
    ("network.vpc_cidr", "10.20.0.0/33", "network.vpc_cidr", "IPv4 CIDR"),
    ("network.vpc_cidr", "10.0.0.0/8", "network.vpc_cidr", "/16 to /24"),
    ("network.private_subnets", ["10.99.0.0/19", "10.20.32.0/19"], "network", "not inside vpc_cidr"),
    ("network.endpoint_subnets", ["10.20.0.0/27", "10.20.96.32/27"], "network", "overlaps"),
    ("network.availability_zones", ["us-east-1a"], "network.availability_zones", "at least 2"),
    ("network.availability_zones", ["us-west-2a", "us-west-2b"], "(top level)", "must all lie in aws.region"),
    ("aws.account_id", "12345", "aws.account_id", "12-digit"),
    ("aws.region", "mars-1", "aws.region", "AWS region"),
    ("workspace.allowed_ip_ranges", ["0.0.0.0/0"], "workspace.allowed_ip_ranges", "too broad"),
    ("tags.Owner", KeyError, "tags", "missing required tags: Owner"),
    ("tags.Project", "other", "tags", "set by Lakeward"),
    ("groups.readers", "users", "groups", "built-in group"),
    ("catalog.schemas", ["raw", "curated"], "catalog.schemas", "needs the schemas"),
    ("serving.endpoints.0.min_concurrency", 4, "(top level)", "scale to zero"),
    ("serving.endpoints.0.max_concurrency", 6, "serving.endpoints.0", "multiples of 4"),
    ("gpu.max_workers", 3, "gpu", "max_capacity"),
    ("compute.runtimes", ["latest"], "compute.runtimes", "runtime key"),
    ("state.bucket", None, "state", "bucket and region"),
    ("workspace.surprise", True, "workspace.surprise", "remove this key"),
    ("metastore", KeyError, "metastore", "add metastore"),
]


@pytest.mark.parametrize(("dotted", "value", "field", "hint"), BAD_VALUES)
def test_bad_values_name_file_field_and_fix(
    tmp_path: Path, dev_data: dict[str, Any], dotted: str, value: Any, field: str, hint: str
) -> None:
    path = _write(tmp_path, _mutate(dev_data, dotted, value))
    with pytest.raises(LakewardError) as caught:
        load_environment_file(path)
    error = caught.value
    assert error.source == str(path)
    assert error.field == field
    assert error.fix
    assert hint in str(error)


def test_production_refuses_scale_to_zero(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "environments" / "prod.yaml").read_text())
    data["serving"]["endpoints"][0]["min_concurrency"] = 0
    with pytest.raises(LakewardError, match="production endpoints keep min_concurrency"):
        load_environment_file(_write(tmp_path, data, "prod"))


def test_name_must_match_file(tmp_path: Path, dev_data: dict[str, Any]) -> None:
    with pytest.raises(LakewardError) as caught:
        load_environment_file(_write(tmp_path, dev_data, name="staging"))
    assert caught.value.field == "name" and "staging" in (caught.value.fix or "")


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "dev.yaml"
    broken.write_text("name: [dev\n")
    with pytest.raises(LakewardError, match="not valid YAML"):
        load_environment_file(broken)
    with pytest.raises(LakewardError, match="unknown environment 'nope'") as caught:
        load_environment("nope")
    assert "dev" in (caught.value.fix or "") and "prod" in (caught.value.fix or "")


def test_cli_validate_exits_2_with_message(tmp_path: Path, dev_data: dict[str, Any]) -> None:
    path = _write(tmp_path, _mutate(dev_data, "network.vpc_cidr", "not-a-cidr"))
    result = run_cli("config", "validate", path, process=True)  # the real entry point: no traceback
    assert result.exit_code == 2
    assert f"{path}: network.vpc_cidr" in result.stderr
    assert "fix: set network.vpc_cidr to" in result.stderr
    assert result.stdout == ""


def test_committed_schema_matches_models() -> None:
    committed = json.loads((REPO / "schemas" / "environment.schema.json").read_text())
    assert committed == environment_json_schema(), (
        "run `lakeward config schema --out schemas/environment.schema.json`"
    )
    assert set(committed["required"]) >= {"aws", "databricks", "network", "workspace", "tags"}
