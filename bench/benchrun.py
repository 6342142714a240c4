"""`run`, subprocess.run as a bench needs it: a bench stopped by Ctrl-C or SIGTERM (or a call
that timed out) hands the runner it waits on one Ctrl-C and waits while the runner stops what
it started. subprocess.run would SIGKILL the runner 0.25 s after a Ctrl-C (and, on SIGTERM,
leave it running unseen), which leaves its daprd, Redis and apps to the next run's reaper. The
runner runs in a session of its own, so a terminal's Ctrl-C reaches it once, through here."""

from __future__ import annotations

import signal
import subprocess

STOP_S = 60.0  # a runner's stop takes seconds; past this it is killed


def _interrupted(signum, frame):
    raise KeyboardInterrupt


signal.signal(signal.SIGTERM, _interrupted)


def run(command, *, check: bool = False, timeout: float | None = None, capture_output: bool = False,
        **kwargs) -> subprocess.CompletedProcess:
    if capture_output:
        kwargs.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with subprocess.Popen(command, start_new_session=True, **kwargs) as child:
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except BaseException:
            child.send_signal(signal.SIGINT)
            try:
                child.communicate(timeout=STOP_S)
            except subprocess.TimeoutExpired:
                child.kill()
            raise
    done = subprocess.CompletedProcess(command, child.returncode, stdout, stderr)
    if check:
        done.check_returncode()
    return done
