from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
QUICKSTARTS = ROOT / "quickstarts"
EXPECTED = ROOT / "expected"
SEED_PAGE = ROOT.parent / "shared" / "seed" / "statemanagement-quickstart.md"
SNAPSHOT = ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"  # dapr/quickstarts at v1.17.0
CLI_1_18 = ROOT.parent / "shared" / "dapr-cli" / "dapr-1.18.0-linux-amd64.xz"  # the real CLI 1.18.0, from its source
SECOND_RUNTIME = "1.18.1"  # the runtime the version tests run beside the default (.ci/run builds it ahead)


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], cwd=cwd or ROOT, capture_output=True, text=True,
        timeout=timeout, env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def snapshot_tree() -> Path:
    """The v1.17.0 snapshot checked out (once, in the runner's cache), for reading."""
    from runner.source.repo import acquire

    return acquire(str(SNAPSHOT), "v1.17.0", False, QUICKSTARTS).root  # a local clone: no network


TEST_MARK = "QSR_TEST"  # in the environment of everything a test starts, and of what that starts


def our_processes(mark: str | None = None) -> set[tuple[int, str]]:
    """The live processes this test started, directly or not (pid, command line): those whose
    environment carries its mark (every daprd, Redis, app and service inherits it)."""
    wanted = f"{TEST_MARK}={mark or os.environ[TEST_MARK]}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if wanted not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = next(line for line in (entry / "status").read_text().splitlines() if line.startswith("State:"))
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, StopIteration):
            continue
        if "Z" not in state.split()[1]:
            found.add((int(entry.name), cmdline))
    return found


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def descendants(root: int) -> dict[int, str]:
    """The live processes below `root` (pid -> command line): what a runner started."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = {}, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        try:
            found[pid] = (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip())
        except OSError:
            continue
        todo += children.get(pid, [])
    return found


def wait_for(condition, timeout: float, what: str):
    """Poll `condition` until it returns something true; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture(autouse=True)
def own_scope(monkeypatch, tmp_path_factory):
    """What a test starts is its own, so tests can run side by side (pytest -n): its processes
    carry a mark of its own in their environment, and temp dirs go to a folder of its own
    (TMPDIR), short enough for the Unix sockets made under it."""
    tmp_path_factory.getbasetemp()  # pytest's own temp root is made before TMPDIR moves
    mark = uuid.uuid4().hex[:12]
    monkeypatch.setenv(TEST_MARK, mark)
    temp = Path(tempfile.mkdtemp(prefix="qsr-t-", dir="/tmp"))
    monkeypatch.setenv("TMPDIR", str(temp))
    tempfile.tempdir = None  # read TMPDIR again
    yield mark
    tempfile.tempdir = None
    shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture
def no_leftovers(own_scope):
    """Fails the test when something it started (a daprd, Redis, app...) outlives it, or a temp
    dir of the runner's is left."""
    yield
    left = our_processes(own_scope)
    temp = Path(os.environ["TMPDIR"])
    dirs = sorted(str(path) for path in temp.glob("qsr-*")) if temp.is_dir() else []
    assert not left and not dirs, f"left running: {sorted(left)}; left behind: {dirs}"


@pytest.fixture
def own_registry(tmp_path, monkeypatch) -> Path:
    """A cache of its own for a test that kills a runner hard (what the killed runner wrote down is
    reaped by the next runner of this test, not by one another worker started meanwhile), or that
    reads a runner's stderr whole. All but the registry is the shared cache's (symlinks): nothing
    already built is built again."""
    from runner.cache import cache_root

    shared, cache = cache_root(), tmp_path / "cache"
    cache.mkdir()
    for entry in shared.iterdir() if shared.is_dir() else ():
        if entry.name != "running":
            (cache / entry.name).symlink_to(entry)
    monkeypatch.setenv("QUICKSTART_RUNNER_CACHE", str(cache))
    return cache


@pytest.fixture(scope="session")
def daprd_path() -> Path:
    from runner.provision.daprd import ensure_daprd

    return ensure_daprd().path


def require_tool(name: str) -> None:
    if shutil.which(name) is None:
        pytest.skip(f"{name}: not found")


def path_without(tool: str) -> str:
    """PATH with every folder that holds `tool` left out: a machine that lacks it."""
    return os.pathsep.join(folder for folder in os.environ.get("PATH", "").split(os.pathsep)
                           if folder and not os.access(os.path.join(folder, tool), os.X_OK))


@pytest.fixture(scope="session")
def dapr_cli():
    """The real dapr CLI: the user's initialised one, else ours (built from github.com/dapr/cli)."""
    from runner.provision.dapr_cli import ensure_cli, installed_cli

    return installed_cli() or ensure_cli()


@pytest.fixture(scope="session")
def dapr_cli_1_18(tmp_path_factory):
    """The real dapr CLI 1.18.0 (../shared/dapr-cli), fetched as a user's machine gets it: from a
    loopback release server laid out as dapr/cli's releases, once into the runner's cache."""
    from releaseserver import cli_from_release

    if not CLI_1_18.is_file():
        pytest.skip(f"no dapr CLI 1.18.0 here ({CLI_1_18})")
    return cli_from_release(CLI_1_18, "1.18.0", tmp_path_factory.mktemp("cli-1.18"))


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: three workers per two cores, not one per core. Most e2e tests wait on their apps
    (a warm session left the cores 58% idle at one per core); what loads the cores takes turns on
    the machine-wide build slots at any worker count."""
    from runner.services.machine import cores

    return max(2, cores() * 3 // 2)


# Tiers: `unit` (no daprd, no network: under a minute in all), `e2e` (real daprd, Redis and
# toolchains), `slow` (minutes each: a Docker engine, the upstream snapshot, the real dapr CLI).
UNIT_TIMEOUT_S = 60


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("e2e") is None and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.unit)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(UNIT_TIMEOUT_S))
    # xdist hands tests out in this order: a long test handed out last ends the session alone. The
    # real dapr CLI's tests go mid-way: cold, .ci/run builds it beside the tests' first minutes, and
    # a worker handed one at the start idled until the build was done (207 s, cold CI).
    items.sort(key=lambda item: item.get_closest_marker("first") is None)
    cli = [item for item in items if "dapr_cli" in item.fixturenames]
    rest = [item for item in items if "dapr_cli" not in item.fixturenames]
    items[:] = rest[:len(rest) // 2] + cli + rest[len(rest) // 2:]
