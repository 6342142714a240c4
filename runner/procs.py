"""Stopping what we started: a whole process group, politely first, then for sure."""

from __future__ import annotations

import os
import signal
import subprocess
import time


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(pgid: int, process: subprocess.Popen | None = None, grace: float = 5.0) -> int | None:
    """SIGTERM the group `pgid`, SIGKILL what is left after `grace` seconds; reap `process`.

    Returns the leader's exit code when `process` is given.
    """
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if process is not None:
            process.poll()
        if not group_alive(pgid):
            break
        time.sleep(0.02)
    else:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if process is not None:
        try:
            return process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return None
    return None
