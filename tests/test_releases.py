"""Official Dapr binaries first: an installed `dapr init --slim` set, else the release archives
(verified against their published digests), else the build. A real release server on 127.0.0.1,
laid out as GitHub's, serves archives made from the binaries we build."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import run_cli
from releaseserver import ReleaseServer, SilentServer, pack
from runner.provision import DEFAULT_VERSION
from runner.provision.releases import Releases, archive_name, release_dir

pytestmark = pytest.mark.e2e
VERSION = DEFAULT_VERSION


@pytest.fixture(scope="session")
def built():
    """Our build of daprd, placement and scheduler (made once by `make setup`)."""
    from runner.provision.daprd import build_dapr

    return build_dapr(VERSION)


@pytest.fixture(scope="session")
def release_root(built, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("releases")
    pack({name: built / name for name in ("daprd", "placement", "scheduler")}, VERSION, root)
    return root


@pytest.fixture
def nothing_here(tmp_path, monkeypatch) -> Path:
    """A cache of its own with nothing fetched or built, and no installed set: the runner must fetch."""
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("QUICKSTART_RUNNER_CACHE", str(cache))
    monkeypatch.setenv("DAPR_RUNTIME_PATH", str(tmp_path / "no-dapr-init"))
    return cache


def _with_build(cache: Path, built: Path) -> None:
    """The cache holds our build (as a machine that built it before): the fallback takes it at once."""
    (cache / "dapr").mkdir()
    (cache / "dapr" / built.name).symlink_to(built)


def test_a_release_is_fetched_verified_and_found_the_next_time(nothing_here, release_root):
    from runner.provision.daprd import ensure_control_plane, ensure_daprd

    with ReleaseServer(release_root) as server:
        releases = Releases(server.base)
        daprd = ensure_daprd(VERSION, progress=lambda text: None, releases=releases)
        assert daprd.origin == "release" and daprd.path.is_relative_to(nothing_here)
        assert "sha256 verified" in daprd.described and server.base in daprd.described
        asked = sorted(path.rsplit("/", 1)[1] for path in server.requests)
        assert asked == sorted(archive_name(p) + suffix for p in ("daprd", "placement", "scheduler")
                               for suffix in ("", ".sha256"))
        plane = ensure_control_plane(VERSION, progress=lambda text: None, beside=daprd.path, releases=releases)
        assert plane.placement.parent == daprd.path.parent and "beside daprd" in plane.origin
        before = len(server.requests)
        again = ensure_daprd(VERSION, progress=lambda text: None, releases=releases)
        assert again.path == daprd.path and len(server.requests) == before, "a second run fetches nothing"
    assert os.access(daprd.path, os.X_OK)


def _refused_then_built(cache: Path, built: Path, base: str, timeout: float = 30.0):
    from runner.provision.daprd import fetch_or_build_daprd

    _with_build(cache, built)
    said: list[str] = []
    daprd = fetch_or_build_daprd(VERSION, said.append, Releases(base, timeout_s=timeout))
    assert daprd.origin == "built" and daprd.path.resolve() == (built / "daprd").resolve()
    releases = release_dir("dapr", VERSION).parent
    assert not releases.exists() or not any(releases.iterdir()), "nothing of a refused release is kept"
    assert any("building it from github.com/dapr/dapr" in line for line in said)
    return daprd


def test_a_wrong_digest_is_refused_in_one_line_naming_both_and_the_build_is_taken(nothing_here, built, release_root,
                                                                                 tmp_path):
    forged = tmp_path / "forged"
    shutil.copytree(release_root, forged, symlinks=True)
    digest_file = next(forged.rglob(archive_name("daprd") + ".sha256"))
    real = digest_file.read_text().split()[0]
    digest_file.write_text("0" * 64 + f"  {archive_name('daprd')}\n")
    with ReleaseServer(forged) as server:
        daprd = _refused_then_built(nothing_here, built, server.base)
    why = next(line for line in daprd.passed_over if line.startswith("release: "))
    assert "\n" not in why and archive_name("daprd") in why and real in why and "0" * 64 in why, why


def test_an_archive_not_published_falls_back_to_the_build_saying_so(nothing_here, built, tmp_path):
    (tmp_path / "empty").mkdir()
    with ReleaseServer(tmp_path / "empty") as server:
        daprd = _refused_then_built(nothing_here, built, server.base)
    assert any("HTTP 404" in line and "not published" in line for line in daprd.passed_over), daprd.passed_over


def test_a_server_that_never_answers_is_not_waited_for(nothing_here, built):
    with SilentServer() as server:
        started = time.monotonic()
        daprd = _refused_then_built(nothing_here, built, server.base, timeout=1.0)
    assert time.monotonic() - started < 10
    assert any("no answer" in line for line in daprd.passed_over), daprd.passed_over


def test_offline_downloads_nothing(nothing_here, built, release_root):
    from runner.provision.daprd import fetch_or_build_daprd

    _with_build(nothing_here, built)
    with ReleaseServer(release_root) as server:
        daprd = fetch_or_build_daprd(VERSION, lambda text: None, Releases(server.base, offline=True))
        assert server.requests == []
    assert daprd.origin == "built" and any("--offline" in line for line in daprd.passed_over)


def _slim_install(built: Path, where: Path) -> Path:
    """`dapr init --slim`'s layout (`<runtime path>/.dapr/bin`), its binaries ours."""
    folder = where / ".dapr" / "bin"
    folder.mkdir(parents=True)
    for name in ("daprd", "placement", "scheduler"):
        (folder / name).symlink_to(built / name)
    return folder


def test_an_installed_slim_set_is_used_as_it_is(nothing_here, built, tmp_path, monkeypatch):
    from runner.provision.daprd import ensure_control_plane, ensure_daprd, find_control_plane

    folder = _slim_install(built, tmp_path / "rt")
    monkeypatch.setenv("DAPR_RUNTIME_PATH", str(tmp_path / "rt"))
    with SilentServer() as server:  # never asked
        daprd = ensure_daprd(VERSION, progress=lambda text: None, releases=Releases(server.base, timeout_s=1))
        plane = ensure_control_plane(VERSION, progress=lambda text: None, beside=daprd.path)
    assert daprd.origin == "installed" and daprd.path == folder / "daprd"
    assert plane.placement == folder / "placement" and plane.scheduler == folder / "scheduler"
    assert find_control_plane(VERSION).origin.startswith("installed")
    assert find_control_plane(VERSION, "built") is None, "ours is asked for by name, and none is built here"


def test_a_release_of_the_cli_is_fetched_and_runs_our_daprd(nothing_here, built, dapr_cli, tmp_path):
    from runner.provision.dapr_cli import ensure_cli, reported_versions
    from runner.provision.daprd import Daprd

    pack({"dapr": dapr_cli.path}, dapr_cli.version, tmp_path / "cli", repo="cli")
    daprd = Daprd(built / "daprd", VERSION, "built")
    with ReleaseServer(tmp_path / "cli") as server:
        cli = ensure_cli(dapr_cli.version, daprd, progress=lambda text: None, releases=Releases(server.base))
        assert any(path.endswith(archive_name("dapr")) for path in server.requests)
    assert cli.origin == "release"
    assert reported_versions(cli.path, cli.env()) == (dapr_cli.version, VERSION)


def _without_go() -> str:
    return os.pathsep.join(folder for folder in os.environ["PATH"].split(os.pathsep)
                           if folder and not (Path(folder) / "go").exists())


def test_beside_an_installed_slim_set_and_no_go_the_bundled_python_quickstart_passes(built, tmp_path, no_leftovers):
    _slim_install(built, tmp_path / "rt")
    out = tmp_path / "r.json"
    done = run_cli("validate", "state_management", "--lang", "python", "--json", str(out),
                   env={"DAPR_RUNTIME_PATH": str(tmp_path / "rt"), "PATH": _without_go(),
                        "QUICKSTART_RUNNER_RELEASES": "http://127.0.0.1:9"})
    assert done.returncode == 0, done.stdout + done.stderr
    run = json.loads(out.read_text())["run"]
    assert run["daprd_source"]["origin"] == "installed", run
    assert run["control_plane"]["origin"].startswith(("installed", "beside daprd")), run
    assert str(tmp_path / "rt") in run["control_plane"]["placement"]
    assert "Traceback" not in done.stderr
