"""Soak: 50 validations of the bundled Python quickstart in one process; nothing grows."""

import contextlib
import io
import os
import tempfile
from pathlib import Path

import pytest

from conftest import our_processes
from runner.cli import main

pytestmark = pytest.mark.e2e
RUNS = int(os.environ.get("SOAK_RUNS", "50"))


def listening_ports() -> int:
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            count += sum(1 for line in Path(table).read_text().splitlines()[1:] if line.split()[3] == "0A")
    return count


def snapshot() -> dict:
    return {
        "fds": len(os.listdir("/proc/self/fd")),
        "processes": len(our_processes()),
        "listening": listening_ports(),
        "temp_dirs": len([p for p in Path(tempfile.gettempdir()).glob("qsr-*")]),
        "threads": len(os.listdir("/proc/self/task")),
    }


def test_fifty_validations_leak_nothing(daprd_path):
    shots = []
    for run in range(RUNS):
        with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()):
            code = main(["validate", "state_management", "--lang", "python", "--daprd", str(daprd_path)])
        assert code == 0, out.getvalue()
        if run in (0, RUNS - 1):
            shots.append(snapshot())
    first, last = shots
    assert last == first, f"after run 1: {first}; after run {RUNS}: {last}"
