"""Versions as inputs: the SDK pins each recipe reads and rewrites (on copies of the snapshot's real
files), the versions a tree declares, and (end to end) a runtime matrix and an SDK override."""

import json
import shutil
from pathlib import Path

import pytest

from conftest import QUICKSTARTS, SECOND_RUNTIME, SNAPSHOT, run_cli
from runner.provision.versions import declared
from runner.recipes import RECIPES

needs_snapshot = pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")


def copy(snapshot_tree: Path, folder: str, tmp_path: Path) -> Path:
    target = tmp_path / folder
    shutil.copytree(snapshot_tree / folder, target)
    return target


def pins(language: str, folder: Path) -> list[tuple[str, str, str]]:
    return [(str(pin.file.relative_to(folder)), pin.coordinate, pin.version) for pin in RECIPES[language].sdk_pins(folder)]


@needs_snapshot
def test_java_pins_are_the_io_dapr_artifacts_and_dapr_version_properties(tmp_path, snapshot_tree):
    folder = copy(snapshot_tree, "pub_sub/java/sdk", tmp_path)
    assert pins("java", folder) == [("checkout/pom.xml", "io.dapr:dapr-sdk", "1.17.0"),
                                    ("order-processor/pom.xml", "io.dapr:dapr-sdk-springboot", "1.17.0-rc-3"),
                                    ("order-processor/pom.xml", "io.dapr:dapr-sdk", "1.17.0")]
    changes = RECIPES["java"].pin_sdk(folder, "1.17.1")
    assert changes[0] == "checkout/pom.xml:20: <version>1.17.0</version> -> <version>1.17.1</version>"
    assert {version for _, _, version in pins("java", folder)} == {"1.17.1"}
    jobs = copy(snapshot_tree, "jobs/java/sdk", tmp_path)
    RECIPES["java"].pin_sdk(jobs, "1.17.1")
    assert "<dapr-sdk.version>1.17.1</dapr-sdk.version>" in (jobs / "job-service/pom.xml").read_text()
    assert (snapshot_tree / "jobs/java/sdk/job-service/pom.xml").read_text().count("1.17.1") == 0  # the original stays


def test_a_property_a_dependency_names_is_the_pin(tmp_path):
    folder = tmp_path / "java"
    shutil.copytree(QUICKSTARTS / "state_management/java/sdk", folder)
    assert pins("java", folder) == [("order-processor/pom.xml", "io.dapr:dapr-sdk", "1.16.0")]
    RECIPES["java"].pin_sdk(folder, "1.16.1")
    assert "<dapr.sdk.version>1.16.1</dapr.sdk.version>" in (folder / "order-processor/pom.xml").read_text()
    assert "${dapr.sdk.version}" in (folder / "order-processor/pom.xml").read_text()


@needs_snapshot
def test_python_pins_are_dapr_and_its_extensions(tmp_path, snapshot_tree, monkeypatch):
    folder = copy(snapshot_tree, "pub_sub/python/sdk", tmp_path)
    assert ("order-processor-fastapi/requirements.txt", "dapr-ext-fastapi", ">=1.17.0") in pins("python", folder)
    monkeypatch.setattr(type(RECIPES["python"]), "sdk_served", lambda self, name, version: True)  # no registry
    RECIPES["python"].pin_sdk(folder, "1.18.1")
    assert {(coordinate, version) for _, coordinate, version in pins("python", folder)} == {
        ("dapr", "==1.18.1"), ("dapr-ext-fastapi", "==1.18.1")}
    assert "flask" in (folder / "order-processor/requirements.txt").read_text().lower()  # other lines as they were


@needs_snapshot
def test_an_extension_not_released_at_the_version_is_dropped(tmp_path, snapshot_tree, monkeypatch):
    """dapr 1.19.0 carries dapr.ext.fastapi itself; dapr-ext-fastapi has no 1.19.0 on PyPI."""
    folder = copy(snapshot_tree, "pub_sub/python/sdk", tmp_path)
    asked = []
    monkeypatch.setattr(type(RECIPES["python"]), "sdk_served",
                        lambda self, name, version: asked.append((name, version)) or name == "dapr")
    said = RECIPES["python"].pin_sdk(folder, "1.19.0")
    assert {(coordinate, version) for _, coordinate, version in pins("python", folder)} == {("dapr", "==1.19.0")}
    assert asked == [("dapr-ext-fastapi", "1.19.0")]
    assert any("dapr-ext-fastapi>=1.17.0 dropped: no dapr-ext-fastapi 1.19.0 is published" in line for line in said)


@needs_snapshot
def test_javascript_pins_drop_the_lock_that_holds_the_old_version(tmp_path, snapshot_tree):
    folder = copy(snapshot_tree, "pub_sub/javascript/sdk", tmp_path)
    assert pins("javascript", folder) == [("checkout/package.json", "@dapr/dapr", "^3.6.1"),
                                          ("order-processor/package.json", "@dapr/dapr", "^3.6.1")]
    changes = RECIPES["javascript"].pin_sdk(folder, "3.5.2")
    assert "checkout/package-lock.json: removed (it locks the pinned version)" in changes
    assert json.loads((folder / "checkout/package.json").read_text())["dependencies"]["@dapr/dapr"] == "3.5.2"


@needs_snapshot
def test_go_pins_are_the_go_sdk_require_and_go_mod_tidy_follows(tmp_path, snapshot_tree, monkeypatch):
    import runner.recipes.go as go

    folder = copy(snapshot_tree, "jobs/go/sdk", tmp_path)
    assert pins("go", folder) == [("job-scheduler/go.mod", "github.com/dapr/go-sdk", "v1.14.1"),
                                  ("job-service/go.mod", "github.com/dapr/go-sdk", "v1.14.1")]
    tidied = []
    monkeypatch.setattr(go, "run_logged", lambda argv, cwd, log, env=None: tidied.append((argv, cwd.name)))
    RECIPES["go"].pin_sdk(folder, "1.13.0")
    assert {version for _, _, version in pins("go", folder)} == {"v1.13.0"}
    assert tidied == [(["go", "mod", "tidy"], "job-scheduler"), (["go", "mod", "tidy"], "job-service")]


def test_a_tree_declares_its_versions(tmp_path):
    assert declared(tmp_path) == {}
    (tmp_path / ".github/env").mkdir(parents=True)
    (tmp_path / ".github/env/global.env").write_text(
        "DAPR_CLI_VERSION: 1.17.0\nDAPR_RUNTIME_VERSION: 1.17.0\nDAPR_INSTALL_URL: https://x\n# DAPR_X: 9\n")
    assert declared(tmp_path) == {"DAPR_CLI_VERSION": "1.17.0", "DAPR_RUNTIME_VERSION": "1.17.0"}
    (tmp_path / ".github/env/global.env").write_text("DAPR_RUNTIME_VERSION=1.18.1\n")
    assert declared(tmp_path) == {"DAPR_RUNTIME_VERSION": "1.18.1"}


def test_a_bad_sdk_override_is_one_line(tmp_path):
    for value in ("cobol=1.0", "java", "java="):
        result = run_cli("validate", "--sdk", value)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "--sdk" in result.stderr or "--lang" in result.stderr


@pytest.mark.e2e
@pytest.mark.slow
def test_a_matrix_of_two_runtimes_runs_each_job_once_per_version(tmp_path, daprd_path, no_leftovers):
    out, xml = tmp_path / "r.json", tmp_path / "r.xml"
    second = SECOND_RUNTIME
    result = run_cli("validate", "state_management", "--lang", "go", "--dapr-version", f"1.17.0,{second}",
                     "--json", str(out), "--junit", str(xml), timeout=1500)
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = json.loads(out.read_text())["jobs"]
    assert [(job["quickstart"], job["runtime"], job["status"]) for job in jobs] == [
        ("state_management/go/sdk@1.17.0", "1.17.0", "passed"), (f"state_management/go/sdk@{second}", second, "passed")]
    assert 'name="go-sdk@1.17.0"' in xml.read_text() and f'name="go-sdk@{second}"' in xml.read_text()
    assert f"sdk@1.17.0 ok  sdk@{second} ok" in result.stdout


@pytest.mark.e2e
def test_an_sdk_override_runs_in_a_copy_and_says_what_it_changed(tmp_path, daprd_path, no_leftovers):
    tree = tmp_path / "tree"
    shutil.copytree(QUICKSTARTS, tree, ignore=shutil.ignore_patterns("node_modules", "target", "__pycache__"))
    shutil.copytree(QUICKSTARTS.parent / "expected", tree / "expected")
    before = (tree / "state_management/python/sdk/order-processor/requirements.txt").read_text()
    out = tmp_path / "r.json"
    result = run_cli("validate", "--repo", str(tree), "--lang", "python", "--sdk", "python=1.17.4", "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    (job,) = json.loads(out.read_text())["jobs"]
    assert job["sdk"] == "1.17.4" and job["overrides"][0] == "with dapr 1.17.4 instead of ==1.17.5"
    assert "with dapr 1.17.4 instead of ==1.17.5" in result.stdout
    assert (tree / "state_management/python/sdk/order-processor/requirements.txt").read_text() == before


@needs_snapshot
def test_list_versions_names_every_pin_tutorials_too(snapshot_tree):
    """Every quickstart's pins, a tutorial's of each language its steps prepare; --offline asks no
    registry (served: null)."""
    result = run_cli("list", "--versions", "--json", "--offline", "--repo", str(snapshot_tree))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {"quickstart": "workflows/java/sdk", "file": "workflows/java/sdk/order-processor/pom.xml:20",
            "coordinate": "io.dapr:dapr-sdk-workflows", "version": "1.17.0-rc-3", "served": None} in rows
    assert any(row["quickstart"].startswith("tutorials/") and row["coordinate"] == "dapr-ext-workflow" for row in rows)
    assert {row["served"] for row in rows} == {None}


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("version", ["1.17.0", SECOND_RUNTIME])
def test_each_runtimes_control_plane_stays_up(tmp_path, version, daprd_path):
    """Placement and scheduler of each runtime run from their own flags: a scheduler given a zero
    for an option its version added (1.18's etcd max txn ops) dies at its first leadership."""
    import time

    from runner.provision.daprd import ensure_daprd, find_control_plane
    from runner.services.controlplane import ControlPlane

    ensure_daprd(version, progress=lambda text: None)
    plane = ControlPlane(find_control_plane(version), tmp_path)
    try:
        plane.start()
        time.sleep(5)  # the 1.18 scheduler died within a second of its start
        assert plane.problem() is None
    finally:
        plane.stop()


@pytest.mark.e2e
@pytest.mark.parametrize("sidecar", ["auto", "dapr"])
def test_a_cli_on_path_that_runs_another_runtime_is_not_used_for_a_version(tmp_path, monkeypatch, daprd_path, sidecar):
    """A maintainer's `dapr` (after `dapr init`) runs its own runtime: a job labelled with another
    version runs that version (daprd directly, or a CLI of ours running it), and says so."""
    from runner.job.settings import run_settings
    from runner.provision.daprd import binary_version

    wanted = binary_version(daprd_path)
    fake = tmp_path / "bin" / "dapr"  # the CLI on PATH: only its `--version` is asked
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'CLI version: 1.16.5'\necho 'Runtime version: 1.15.0'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{__import__('os').environ['PATH']}")
    said: list[str] = []
    settings, info = run_settings(sidecar, wanted, None, said.append)
    assert any(f"runs runtime 1.15.0, not {wanted}" in line for line in said), said
    assert settings.runtime == info["runtime_version"] == wanted
    assert settings.sidecar == ("daprd" if sidecar == "auto" else "dapr")
    if sidecar == "dapr":
        assert settings.dapr_cli.path != fake


def test_a_bare_requirement_is_served_by_any_release_the_index_lists(monkeypatch):
    """`dapr` alone in a requirements.txt: pip takes any release, so any one listed serves it."""
    import runner.recipes.python as python

    index = '<a href="https://files/dapr-1.17.0-py3-none-any.whl">dapr-1.17.0-py3-none-any.whl</a>'
    monkeypatch.setattr(python, "registry_page", lambda url: index)  # PyPI's simple index, as it reads
    recipe = RECIPES["python"]
    assert recipe.sdk_served("dapr", "(any)") is True
    assert recipe.sdk_served("dapr", "==1.17.0") is True and recipe.sdk_served("dapr", "==1.18.0") is False
    monkeypatch.setattr(python, "registry_page", lambda url: False)  # 404: no such project
    assert recipe.sdk_served("dapr", "(any)") is False


def test_an_sdk_override_runs_the_readers_blocks_in_the_copy_too(tmp_path):
    """`--sdk`: the job runs in a copy whose pins are rewritten; the blocks its README's reader runs
    (a `pip install -r requirements.txt`, a `dotnet build`) run there too, never in the checkout,
    where the pins are the old ones."""
    from runner.job.overrides import with_sdk
    from runner.job.plan import JobPlan
    from runner.page.model import PagePlan, ReaderBlock

    folder = tmp_path / "tree/state_management/python/sdk"
    (folder / "order-processor").mkdir(parents=True)
    (folder / "order-processor/requirements.txt").write_text("dapr==1.17.5\n")
    block = ReaderBlock(12, "pip3 install -r requirements.txt", folder / "order-processor")
    plan = JobPlan(name="state_management/python/sdk", building_block="state_management", language="python",
                   variant="sdk", apps=(), resources=(), expectation=None, timeout_s=60, tree=tmp_path / "tree",
                   folder=folder, page=PagePlan(blocks=(block,)),
                   setup_commands=((folder / "order-processor", "pip3 install -r requirements.txt"),))
    (tmp_path / "copy").mkdir()
    moved, changes = with_sdk(plan, "1.17.4", tmp_path / "copy")
    copy = tmp_path / "copy/tree/state_management/python/sdk/order-processor"
    assert changes[0] == "with dapr 1.17.4 instead of ==1.17.5"
    assert moved.page.blocks[0].folder == copy and moved.setup_commands[0][0] == copy
    assert (copy / "requirements.txt").read_text() == "dapr==1.17.4\n"
    assert (folder / "order-processor/requirements.txt").read_text() == "dapr==1.17.5\n"
