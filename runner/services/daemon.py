"""One background service a job starts (redis-server, placement, scheduler, postgres): its
own process group, its output in a log file in the job's dir, ready once a probe says so,
stopped with its whole group."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable, TypeVar

from runner.errors import JobError
from runner.services.groups import check_interrupted
from runner.services.shell import ShellCommand

SERVICE_STOP_GRACE_S = 5.0


class ServiceError(JobError):
    pass


def how_it_ended(code: int | None) -> str:
    """`exited with code 1`, `exited (signal 9)`: a return code as a person reads it."""
    if code is None:
        return "exited"
    if code < 0:
        return f"exited (signal {-code})"
    return f"exited with code {code}"


_SAYS_WHY = re.compile(r"fatal|error|panic", re.I)


def telling_line(log: str) -> str:
    """The line of a service's log that says why it stopped: the last fatal or error line, else
    the last line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    return next((line for line in reversed(lines) if _SAYS_WHY.search(line)), lines[-1] if lines else "no output")


_PORT_TAKEN = re.compile(r"address already in use|failed listening on port|could not bind", re.I)
T = TypeVar("T")


def on_fresh_ports(start: Callable[[], T], tries: int = 3) -> T:
    """`start()`, which picks free ports each call, called again when a port it picked was taken
    by another program between the pick and the bind: a free port is free only as it is picked."""
    for attempt in range(tries):
        try:
            return start()
        except ServiceError as exc:
            if attempt == tries - 1 or not _PORT_TAKEN.search(str(exc)):
                raise
    raise AssertionError("unreachable")


class Daemon:
    """A service the job needs running (its output in its log): started until it is ready, watched
    for dying, stopped with its group."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None,
                 preexec_user: tuple[int, int] | None = None):
        self.name = name
        self.argv = argv
        self.log = log
        self.env = env
        self.user = preexec_user  # (uid, gid) to run as, for services that refuse root
        self.process: ShellCommand | None = None

    def start(self, ready: Callable[[], bool], timeout: float = 30.0) -> None:
        """Start it and wait until `ready()`; a service that exits or is not ready in time is
        an error quoting the last line of its log."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        # In the job's dir, beside its log: whatever it writes stays the job's.
        self.process = ShellCommand(self.argv, self.log.parent, self.env, log=self.log, user=self.user)
        self.process.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            check_interrupted()
            if not self.process.running():
                break  # what answers now is another program's (on a port it took first), not this
            if ready():
                return
            time.sleep(0.02)
        code = self.process.exit_code()
        tail = self.last_line()
        self.stop()
        state = how_it_ended(code) if code is not None else f"was not ready within {timeout:.0f}s"
        raise ServiceError(f"{self.name} {state}: {tail}")

    def last_line(self) -> str:
        try:
            return telling_line(self.log.read_text(errors="replace"))
        except OSError:
            return "no output"

    def alive(self) -> bool:
        return self.process is not None and self.process.running()

    def problem(self) -> str | None:
        """Why it cannot serve the job any more (it died), or None."""
        if self.process is None or self.process.running():
            return None
        return f"{self.name} {how_it_ended(self.process.exit_code())} during the run: {self.last_line()}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(SERVICE_STOP_GRACE_S)
            self.process = None


class DaemonService:
    """A service that is one daemon once started: alive while it runs, its problem the daemon's,
    stopped with it."""

    daemon: Daemon | None = None

    def alive(self) -> bool:
        return self.daemon is not None and self.daemon.alive()

    def problem(self) -> str | None:
        """Why the job cannot go on with this service (it died), or None."""
        return self.daemon.problem() if self.daemon is not None else None

    def stop(self) -> None:
        if self.daemon is not None:
            self.daemon.stop()
            self.daemon = None
