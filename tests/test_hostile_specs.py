"""Spec files, names and key folders as a hostile user supplies them: each class refused, in several forms."""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

import pytest
import yaml

from infra.config import ENVIRONMENTS_DIR, load_environment, load_environment_file
from lakeward.errors import LakewardError
from lakeward.evidence.keys import PRIVATE_NAME, keygen
from lakeward.specfiles import MAX_BYTES, load_yaml
from lakeward.tenants.loader import load_tenants, parse_tenant, read_spec
from lakeward.tenants.offboard import remove_tenant
from lakeward.tenants.scaffold import new_tenant
from tests.tenant_specs import spec, write_spec

TRAVERSALS = [
    "../outside/victim",
    "..",
    "a/../../b",
    "/etc/passwd",
    "victim/../../x",
    "victim\x00",
    "dev/../prod",
]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_tenant_remove_never_leaves_the_tenants_folder(tmp_path: Path, name: str) -> None:
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.yaml"
    victim.write_text(yaml.safe_dump(spec("victim")))
    with pytest.raises(LakewardError) as caught:
        remove_tenant(name, tenants)
    assert caught.value.field == "NAME" and caught.value.fix
    assert victim.read_text() == yaml.safe_dump(spec("victim"))


def test_tenant_spec_linked_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    write_spec(outside, spec("victim"))
    (tenants / "victim.yaml").symlink_to(outside / "victim.yaml")
    with pytest.raises(LakewardError, match="outside"):
        remove_tenant("victim", tenants)
    assert (outside / "victim.yaml").exists()


@pytest.mark.parametrize("name", [*TRAVERSALS, "DEV", "dev.yaml", "dev prod", "-dev", "d" * 80])
def test_environment_names_are_names(name: str) -> None:
    with pytest.raises(LakewardError) as caught:
        load_environment(name)
    assert caught.value.field == "--env"


@pytest.mark.parametrize(
    "env",
    ["dev}\n    - {name: prod", "dev\n  - {name: prod, binding: READ_WRITE}", "dev: x", "dev #", "../dev"],
)
def test_tenant_new_env_cannot_inject_yaml(tmp_path: Path, env: str) -> None:
    with pytest.raises(LakewardError) as caught:
        new_tenant("fraud_ops", tmp_path, env=env)
    assert caught.value.field == "--env"
    assert list(tmp_path.iterdir()) == []


def test_tenant_new_writes_data_not_text(tmp_path: Path) -> None:
    path = new_tenant("fraud_ops", tmp_path, env="prod")
    data = read_spec(path)
    assert data["spec"]["workspaces"] == [{"name": "prod", "binding": "READ_WRITE"}]
    assert load_tenants(tmp_path)["fraud_ops"].spec.workspaces[0].name == "prod"


def _mapping_bomb() -> str:
    """Mappings instead of lists, twelve aliases a level."""
    lines = ["l0: &l0 {k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v, k8: v}"]
    for level in range(1, 7):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 12)}]")
    return "\n".join(lines) + "\n"


BOMB = """\
a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
"""


@pytest.mark.parametrize(
    "document",
    [
        BOMB,
        BOMB.replace("a:", "metadata:\n  data_classification:", 1),
        _mapping_bomb(),
    ],
)
def test_alias_bombs_are_refused_quickly_before_construction(document: str) -> None:
    started = time.perf_counter()
    with pytest.raises(LakewardError, match="expands to more than") as caught:
        load_yaml(document, "bomb.yaml")
    assert time.perf_counter() - started < 1.0
    assert len(str(caught.value)) < 400, "the error never echoes the expanded input"


def test_a_few_shared_anchors_are_still_fine() -> None:
    assert load_yaml("base: &b {a: 1}\nx: *b\ny: *b\n", "ok.yaml") == {
        "base": {"a": 1},
        "x": {"a": 1},
        "y": {"a": 1},
    }


@pytest.mark.parametrize("where", ["environment", "tenant"])
def test_bombs_and_oversize_files_are_refused_for_every_spec_kind(tmp_path: Path, where: str) -> None:
    big = "name: dev\n" + "# padding\n" * (MAX_BYTES // 10 + 1)
    for text, words in ((BOMB, "expands to more than"), (big, "byte limit")):
        path = tmp_path / ("dev.yaml" if where == "environment" else "claims_analytics.yaml")
        path.write_text(text)
        started = time.perf_counter()
        with pytest.raises(LakewardError, match=words):
            load_environment_file(path) if where == "environment" else read_spec(path)
        assert time.perf_counter() - started < 1.0


def test_unreadable_spec_paths_get_an_answer(tmp_path: Path) -> None:
    folder = tmp_path / "dev.yaml"
    folder.mkdir()
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    latin1 = tmp_path / "latin.yaml"
    latin1.write_bytes("name: d\xe9v\n".encode("latin-1"))
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    cases = {folder: "a folder", loop: "link loop", latin1: "not UTF-8", fifo: "not a regular file"}
    for path, words in cases.items():
        with pytest.raises(LakewardError, match=words):
            load_environment_file(path)


@pytest.mark.parametrize(
    ("original", "variant"),
    [
        ("shared-readers", "shared-readers "),
        ("shared-readers", " shared-readers"),
        ("shared-readers", "Shared-Readers"),
        ("shared-readers", "shared-readers\u00a0"),
        ("shared readers", "shared  readers"),
        ("shared readers", "SHARED READERS"),
    ],
)
def test_another_tenants_group_in_disguise_is_refused(tmp_path: Path, original: str, variant: str) -> None:
    write_spec(tmp_path, spec("alpha", **{"spec.groups.readers": original}))
    write_spec(tmp_path, spec("beta", **{"spec.groups.readers": variant}))
    with pytest.raises(LakewardError) as caught:
        load_tenants(tmp_path)
    assert caught.value.field == "spec.groups.readers" and caught.value.fix


def test_key_folder_and_public_key_modes_ignore_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        pair = keygen(tmp_path / "keys")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert stat.S_IMODE(pair.private.stat().st_mode) == 0o600
    assert stat.S_IMODE(pair.public.stat().st_mode) == 0o644


@pytest.mark.parametrize("kind", ["dangling-folder", "dangling-key", "file"])
def test_keygen_refuses_links_and_files_in_its_way(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "keys"
    if kind == "dangling-folder":
        out.symlink_to(tmp_path / "nowhere")
    elif kind == "dangling-key":
        out.mkdir()
        (out / PRIVATE_NAME).symlink_to(tmp_path / "stolen.pem")
    else:
        out.write_text("not a folder")
    with pytest.raises(LakewardError) as caught:
        keygen(out)
    assert caught.value.field == "--out"
    assert not (tmp_path / "stolen.pem").exists() and not (tmp_path / "nowhere").exists()


def test_shipped_environments_still_load(tmp_path: Path) -> None:
    for path in sorted(ENVIRONMENTS_DIR.glob("*.yaml")):
        shutil.copy(path, tmp_path / path.name)
        assert load_environment(path.stem, tmp_path).name == path.stem


@pytest.mark.parametrize("key", ["on", "On", "ON"])
def test_the_renamed_grant_key_gets_a_hint_whatever_the_yaml_parser(tmp_path: Path, key: str) -> None:
    text = yaml.safe_dump(spec("alpha")).replace("securable: catalog", f"{key}: catalog", 1)
    assert f"{key}: catalog" in text
    (tmp_path / "alpha.yaml").write_text(text)
    for data in (read_spec(tmp_path / "alpha.yaml"), yaml.safe_load(text)):
        with pytest.raises(LakewardError) as caught:
            parse_tenant(data, "alpha.yaml")
        assert "is now `securable`" in caught.value.message


def _race_new_tenant(folder: Path, racers: int = 6) -> list[str]:
    """`racers` threads run `tenant new` of one name at the same moment; what each got."""
    import threading

    barrier, outcomes = threading.Barrier(racers), []

    def attempt() -> None:
        barrier.wait()
        try:
            new_tenant("fraud_ops", folder)
            outcomes.append("created")
        except LakewardError as error:
            outcomes.append(error.message)

    threads = [threading.Thread(target=attempt) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_racing_tenant_new_of_one_name_has_exactly_one_winner(tmp_path: Path) -> None:
    for trial in range(10):
        folder = tmp_path / f"trial-{trial}"
        outcomes = _race_new_tenant(folder)
        assert outcomes.count("created") == 1, outcomes
        assert sorted(p.name for p in folder.iterdir()) == ["fraud_ops.yaml"]
