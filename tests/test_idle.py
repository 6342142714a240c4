"""services/idle: a session at work and one waiting, told apart by the CPU their processes use."""

import os
import signal
import subprocess
import sys
import time

from runner.services.idle import IdleWatch, session_cpu_s


def _session(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], start_new_session=True)


def test_a_session_at_work_is_not_idle_and_one_waiting_is():
    # The busy one works in a child, as `go run` compiles in one: its CPU counts for the session.
    busy = _session("import subprocess, sys; subprocess.run([sys.executable, '-c', 'while True: pass'])")
    waiting = _session("import time; time.sleep(30)")
    try:
        watches = {"busy": IdleWatch(busy.pid, 1.5), "waiting": IdleWatch(waiting.pid, 1.5)}
        seen = {name: [] for name in watches}
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            for name, watch in watches.items():
                seen[name].append(watch.idle())
            time.sleep(0.2)
        assert not any(seen["busy"])
        assert seen["waiting"][-1] and not seen["waiting"][0], "idle only once a whole window was seen"
        assert session_cpu_s(busy.pid) > 1.0
    finally:
        for process in (busy, waiting):
            os.killpg(process.pid, signal.SIGKILL)  # a session leader: its child is in its group
            process.wait()
