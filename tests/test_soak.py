"""Soak: 50 validations of the bundled Python quickstart in one process; nothing grows."""

import contextlib
import gc
import io
import os
import tempfile
from pathlib import Path

import pytest

from conftest import descendants
from runner.cli.main import main

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.first]  # one validation at a time, mostly asleep
RUNS = int(os.environ.get("SOAK_RUNS", "50"))


def socket_inodes(pids: list[int]) -> set[str]:
    inodes = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
    return inodes


def listening_sockets(pids: list[int]) -> int:
    """Listening TCP sockets held by these processes (not by anything else on the machine)."""
    mine, count = socket_inodes(pids), 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            count += sum(1 for line in Path(table).read_text().splitlines()[1:]
                         if line.split()[3] == "0A" and line.split()[9] in mine)
    return count


def snapshot(temp: Path) -> dict:
    gc.collect()  # what only waits for the collector is not held: a leak survives it
    below = descendants(os.getpid())
    return {
        "fds": len(os.listdir("/proc/self/fd")),
        "processes": len(below),
        "listening": listening_sockets([os.getpid(), *below]),
        "temp_dirs": len(list(temp.iterdir())),
        "threads": len(os.listdir("/proc/self/task")),
    }


def test_fifty_validations_leak_nothing(daprd_path, tmp_path, monkeypatch):
    temp = tmp_path / "tmp"  # the runner's temp dirs land here, and only its own
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    shots = []
    for run in range(RUNS):
        with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()):
            code = main(["validate", "state_management", "--lang", "python", "--daprd", str(daprd_path)])
        assert code == 0, out.getvalue()
        if run in (0, RUNS - 1):
            shots.append(snapshot(temp))
    first, last = shots
    assert last == first, f"after run 1: {first}; after run {RUNS}: {last}"
    assert first["processes"] == first["listening"] == first["temp_dirs"] == 0, first
