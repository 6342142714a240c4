"""Process groups: stopping what we started (a whole group, politely first, then for sure),
the interrupt every job's wait loop watches, and the reaper: what a runner starts is
written down, so nothing outlives a runner that was killed hard."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

from runner.cache import cache_root


def _reaches(send, target: int) -> bool:
    """Whether signal 0 reaches `target` (alive, even if not ours to signal)."""
    try:
        send(target, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def group_alive(pgid: int) -> bool:
    """Whether a process of group `pgid` still runs. Zombies do not count: one whose parent is
    gone waits for init to reap it, which some inits do late (seconds)."""
    if not _reaches(os.killpg, pgid):
        return False
    return any(fields[2] == str(pgid) and fields[0] not in ("Z", "X") for fields in process_stats())


def process_stats() -> Iterator[list[str]]:
    """Each process's /proc/PID/stat fields after its name (state first, then ppid, pgrp, session...)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                yield (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue


def pid_alive(pid: int) -> bool:
    return _reaches(os.kill, pid)


def _ends_within(pgid: int, reap: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reap()
        if not group_alive(pgid):
            return True
        time.sleep(0.02)
    return False


def stop_group(pgid: int, process: subprocess.Popen | None = None, grace: float = 5.0,
               reap: Callable[[], object] | None = None) -> int | None:
    """SIGTERM the group `pgid`, SIGKILL what is left after `grace` seconds; reap `process`.

    A leader of ours that exited stays a zombie, and so its group alive, until it is reaped:
    `process` (a Popen) or `reap` (what reaps it otherwise) is called while waiting. Returns the
    leader's exit code when `process` is given.
    """
    reap = process.poll if process is not None else reap or (lambda: None)
    for sent in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sent)
        if _ends_within(pgid, reap, grace):
            break
    if process is not None:
        try:
            return process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return None
    return None


def end_group(process: subprocess.Popen, grace: float) -> int | None:
    """Stop a group leader of ours and what it started (or, once it has exited, what it left
    behind); forget it. Its exit code."""
    if process.poll() is None:
        stop_group(process.pid, process, grace=grace)
    else:
        stop_group(process.pid, None, grace=0.5)
    untrack(process.pid)
    return process.returncode


class Interrupted(BaseException):
    """The run this thread works for was ended (not an error of its job: nothing catches it as one)."""


class RunStop:
    """The end of one run (a `validate`, one pass of `docs check`): set when it is interrupted, and
    then every thread working for it unwinds at its next wait, stopping what it started. A run's,
    not the process's: another run in the same process starts unstopped."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.why = ""

    def stop(self, why: str) -> None:
        self.why = self.why or why
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


_working_for = threading.local()


def current_run() -> RunStop | None:
    """The run this thread works for (None: none; an interrupt reaches it as KeyboardInterrupt)."""
    return getattr(_working_for, "run", None)


@contextlib.contextmanager
def working_for(run: RunStop | None):
    """This thread works for `run` meanwhile (a thread a job starts does what the job does)."""
    previous = current_run()
    _working_for.run = run
    try:
        yield
    finally:
        _working_for.run = previous


def check_interrupted() -> None:
    run = current_run()
    if run is not None and run.is_set():
        raise Interrupted(run.why)


# Leftovers: what this runner started is written down while it lives, so that a runner
# killed hard (SIGKILL, a lost CI machine) is cleaned up by the next one.
def _registry_root() -> Path:
    return cache_root() / "running"


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def command_line(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None


_me_lock = threading.Lock()


TRACK_DIR_ENV = "QSR_TRACK_DIR"  # a shim records what it starts in the runner's dir: the runner outlives it


def tracking_dir() -> Path:
    """Where this runner writes down what it starts (made when first asked for); a shim it
    runs inherits it through QSR_TRACK_DIR."""
    inherited = os.environ.get(TRACK_DIR_ENV)
    path = Path(inherited) if inherited else _registry_root() / f"{os.getpid()}-{_start_time(os.getpid())}"
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        atexit.register(_forget_me, path)
    return path


def _forget_me(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.rmdir()  # only when empty: whatever is still written down is a leftover


def track(pgid: int) -> None:
    """Write down a process group this runner started (its leader's start time, to recognise it)."""
    with contextlib.suppress(OSError), _me_lock:
        (tracking_dir() / f"group-{pgid}").write_text(
            json.dumps({"pgid": pgid, "started": _start_time(pgid), "cmdline": command_line(pgid)}))


def untrack(pgid: int) -> None:
    with contextlib.suppress(OSError), _me_lock:
        (tracking_dir() / f"group-{pgid}").unlink(missing_ok=True)


def track_dir(path: Path) -> None:
    with contextlib.suppress(OSError), _me_lock:
        (tracking_dir() / f"dir-{abs(hash(str(path)))}").write_text(json.dumps({"path": str(path)}))


def untrack_dir(path: Path) -> None:
    with contextlib.suppress(OSError), _me_lock:
        (tracking_dir() / f"dir-{abs(hash(str(path)))}").unlink(missing_ok=True)


@contextlib.contextmanager
def tracked_tempdir(prefix: str):
    """A temp dir that is gone at the end, and known meanwhile to the reaper of a runner killed hard."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    track_dir(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        untrack_dir(path)


def reap_leftovers() -> list[str]:
    """Stop the process groups and remove the temp dirs of runners that died without cleaning up."""
    root = _registry_root()
    if not root.is_dir():
        return []
    cleaned = []
    for runner_dir in root.iterdir():
        pid_text, _, started = runner_dir.name.partition("-")
        if pid_text.isdigit() and _start_time(int(pid_text)) == started:
            continue  # that runner is alive: its processes are its own
        cleaned += reap_records(runner_dir)
    return cleaned


def reap_records(folder: Path) -> list[str]:
    """Stop every process group written down in `folder` (and its job folders) that still runs,
    remove the temp dirs written there, and the folder itself; what was cleaned."""
    cleaned = []
    for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
        if entry.is_dir():
            cleaned += reap_records(entry)
            continue
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(entry.read_text())
            # A pgid is not reused while its group lives: a live group whose leader is gone is
            # still ours; a live leader must be the very process we started (same start time).
            leader = _start_time(data["pgid"]) if "pgid" in data else None
            if "pgid" in data and group_alive(data["pgid"]) and leader in (None, data["started"]):
                os.killpg(data["pgid"], signal.SIGKILL)
                cleaned.append(f"process group {data['pgid']} ({data['cmdline']})")
            if "path" in data and Path(data["path"]).exists():
                shutil.rmtree(data["path"], ignore_errors=True)
                cleaned.append(f"temp dir {data['path']}")
        entry.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()
    return cleaned


@contextlib.contextmanager
def job_records(name: str):
    """A folder where what a job's shims start is written down (their QSR_TRACK_DIR); at the
    job's end whatever is still written there is stopped: an app whose shim was killed before
    it stopped it (its own session, out of the shim's group) would outlive the job otherwise."""
    safe = re.sub(r"[^\w.-]+", "-", name)
    folder = tracking_dir() / f"job-{safe}-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    try:
        yield folder
    finally:
        reap_records(folder)
