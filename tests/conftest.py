from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
QUICKSTARTS = ROOT / "quickstarts"
EXPECTED = ROOT / "expected"
SEED_PAGE = ROOT.parent / "shared" / "seed" / "statemanagement-quickstart.md"
SNAPSHOT = ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"  # dapr/quickstarts at v1.17.0


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], cwd=cwd or ROOT, capture_output=True, text=True,
        timeout=timeout, env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def snapshot_tree() -> Path:
    """The v1.17.0 snapshot checked out (once, in the runner's cache), for reading."""
    from runner.source.repo import acquire

    return acquire(str(SNAPSHOT), "v1.17.0", True, QUICKSTARTS).root


def our_processes() -> set[tuple[int, str]]:
    """daprd, redis-server and quickstart app processes alive now (pid, command line)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            state = next(line for line in (entry / "status").read_text().splitlines() if line.startswith("State:"))
        except (OSError, StopIteration):
            continue
        if "Z" in state.split()[1]:
            continue
        if any(marker in cmdline for marker in ("daprd", "redis-server", "app.py", "order-processor", "placement",
                                                 "scheduler", "postgres")):
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


@pytest.fixture
def no_leftovers():
    """Fails the test when it leaves a daprd, redis-server or app process behind."""
    before = our_processes()
    yield
    left = our_processes() - before
    assert not left, f"processes left running: {sorted(left)}"


@pytest.fixture(scope="session")
def daprd_path() -> Path:
    from runner.provision.daprd import ensure_daprd

    return ensure_daprd().path


def require_tool(name: str) -> None:
    if shutil.which(name) is None:
        pytest.skip(f"{name}: not found")


@pytest.fixture(scope="session")
def dapr_cli():
    """The real dapr CLI: the user's initialised one, else ours (built from github.com/dapr/cli)."""
    from runner.provision.daprcli import ensure_cli, installed_cli

    return installed_cli() or ensure_cli()
