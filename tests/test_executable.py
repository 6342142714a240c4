"""Executables the runner writes can be run at once, whatever other threads fork meanwhile (an
executable open for writing in a forked child is refused by Linux: "Text file busy")."""

import subprocess
import threading

import pytest

from runner.services.executable import write_executable

pytestmark = pytest.mark.unit


def test_written_executables_run_at_once_while_other_threads_fork(tmp_path):
    stop = threading.Event()

    def fork_all_along():
        while not stop.is_set():
            subprocess.run(["true"])

    forkers = [threading.Thread(target=fork_all_along) for _ in range(3)]
    for thread in forkers:
        thread.start()
    refused = []
    try:
        # Written with open/write/chmod in this process, about 3% of these runs are refused here.
        for i in range(200):
            script = tmp_path / f"shim{i}"
            write_executable(script, "#!/bin/sh\nexit 0\n")
            try:
                subprocess.run([str(script)], check=True)
            except OSError as error:
                refused.append(f"{script.name}: {error}")
    finally:
        stop.set()
        for thread in forkers:
            thread.join()
    assert refused == []
    assert (tmp_path / "shim0").stat().st_mode & 0o777 == 0o755
