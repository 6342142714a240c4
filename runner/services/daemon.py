"""One background service a job starts (redis-server, placement, scheduler, postgres): its
own process group, its output in a log file in the job's dir, ready once a probe says so,
stopped with its whole group."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Callable

from runner.services.groups import check_interrupted, stop_group, track, untrack


class ServiceError(RuntimeError):
    pass


class Daemon:
    def __init__(self, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None,
                 preexec_user: tuple[int, int] | None = None):
        self.name = name
        self.argv = argv
        self.log = log
        self.env = env
        self.user = preexec_user  # (uid, gid) to run as, for services that refuse root
        self.process: subprocess.Popen | None = None

    def start(self, ready: Callable[[], bool], timeout: float = 30.0) -> None:
        """Start it and wait until `ready()`; a service that exits or is not ready in time is
        an error quoting the last line of its log."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            extra = {"user": self.user[0], "group": self.user[1]} if self.user else {}
            self.process = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True, env=self.env, **extra)
        track(self.process.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            check_interrupted()
            if ready():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        code = self.process.poll()
        tail = self.last_line()
        self.stop()
        state = f"exited with code {code}" if code is not None else f"was not ready within {timeout:.0f}s"
        raise ServiceError(f"{self.name} {state}: {tail}")

    def last_line(self, pick: Callable[[str], bool] = lambda line: True) -> str:
        try:
            lines = [line for line in self.log.read_text(errors="replace").splitlines() if line.strip() and pick(line)]
        except OSError:
            return "no output"
        return lines[-1].strip() if lines else "no output"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process.pid, self.process)
            untrack(self.process.pid)
            self.process = None
