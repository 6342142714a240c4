"""The one way the runner starts a process that is not an app under a PTY (services/pty.py): a
page's command or terminal, a daprd, a service (Redis, placement, PostgreSQL: services/daemon.py),
the pytest fixture's `dapr run`. Each runs in a process group of its own (so stopping it stops
whatever it started), written down for the reaper; every line it prints is read as it comes,
kept and handed to `on_line` (stderr merged into stdout when asked, so the two keep the order
they were written in), or (a service) written to its `log`; and its end is recorded as one of:
exited by itself (with its status), stopped by us, killed by a signal."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

from runner.services.groups import end_group, track

OnLine = Callable[[str, str], None]  # (stream, line without its newline)


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class ShellCommand:
    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str] | None, on_line: OnLine | None = None,
                 merge_stderr: bool = False, log: Path | None = None, user: tuple[int, int] | None = None):
        self.argv = argv
        self.cwd = cwd
        self.env = env  # None: the runner's own
        self.on_line = on_line
        self.merge_stderr = merge_stderr  # stderr read with stdout, as one stream (a terminal shows both)
        self.log = log  # a service's: all it prints goes there, unread
        self.user = user  # (uid, gid) to run as, for services that refuse root
        self.stdout: list[str] = []  # as read: each a line with its "\n", the last maybe not
        self.stderr: list[str] = []
        self.process: subprocess.Popen | None = None
        self.return_code: int | None = None
        self.started = 0.0
        self.stopped_by_us = False  # it was still running when stop() was called
        self.last_output = 0.0  # when it last printed (or started), monotonic
        self._readers: list[threading.Thread] = []

    def start(self) -> None:
        """Start it (an OSError when it cannot be started: the shell is missing)."""
        self.started = self.last_output = time.monotonic()
        extra = {"user": self.user[0], "group": self.user[1]} if self.user else {}
        if self.log is not None:
            with open(self.log, "ab") as out:
                self.process = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **extra)
            track(self.process.pid)
            return
        self.process = subprocess.Popen(
            self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if self.merge_stderr else subprocess.PIPE, start_new_session=True,
            text=True, encoding="utf-8", errors="replace", **extra)
        track(self.process.pid)
        streams = [("stdout", self.process.stdout, self.stdout)]
        if not self.merge_stderr:
            streams.append(("stderr", self.process.stderr, self.stderr))
        for name, stream, sink in streams:
            reader = threading.Thread(target=self._read, args=(name, stream, sink), daemon=True)
            reader.start()
            self._readers.append(reader)

    def _read(self, name: str, stream, sink: list[str]) -> None:
        for piece in iter(stream.readline, ""):
            sink.append(piece)
            self.last_output = time.monotonic()
            if self.on_line is not None:
                self.on_line(name, piece.rstrip("\n"))

    def output(self, stream: str = "stdout") -> str:
        return "".join(self.stdout if stream == "stdout" else self.stderr)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def exit_code(self) -> int | None:
        """Its exit status once it ended (negative: the signal that killed it); None while it runs."""
        return self.process.poll() if self.process is not None else self.return_code

    def ended(self) -> bool:
        """Exited, and all it printed read."""
        return not self.running() and not any(reader.is_alive() for reader in self._readers)

    def wait_read(self, timeout: float = 5.0) -> None:
        """Until everything it printed so far is read (its readers end with its pipes)."""
        for reader in self._readers:
            reader.join(timeout=timeout)

    def stop(self, grace: float) -> int | None:
        """End it and whatever it started (its group: SIGTERM, SIGKILL after `grace` seconds); wait
        for everything it printed. Its return code."""
        process = self.process
        if process is None:
            return self.return_code
        if process.poll() is None:
            self.stopped_by_us = True
        self.return_code = end_group(process, grace)
        self.wait_read()
        return self.return_code

    @property
    def end(self) -> str | None:
        """How it ended: `exited 0`, `exited with N`, `stopped by us`, `killed by SIGSEGV`;
        None while it runs."""
        code = self.process.poll() if self.process is not None else self.return_code
        if code is None:
            return None
        if self.stopped_by_us:
            return "stopped by us"
        if code < 0:
            return f"killed by {signal_name(-code)}"
        return "exited 0" if code == 0 else f"exited with {code}"
