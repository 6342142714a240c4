"""One command line run the way a person runs it in a terminal, through a shell, in a process
group of its own (so stopping it stops whatever it started), every line it prints read as it
comes, kept, and handed to `on_line`. README steps, docs tabs and the pytest fixture's `dapr
run`s are all run through it."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

from runner.services.groups import end_group, track

OnLine = Callable[[str, str], None]  # (stream, line without its newline)


class ShellCommand:
    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], on_line: OnLine | None = None,
                 merge_stderr: bool = False):
        self.argv = argv
        self.cwd = cwd
        self.env = env
        self.on_line = on_line
        self.merge_stderr = merge_stderr  # stderr read with stdout, as one stream (a terminal shows both)
        self.stdout: list[str] = []  # as read: each a line with its "\n", the last maybe not
        self.stderr: list[str] = []
        self.process: subprocess.Popen | None = None
        self.return_code: int | None = None
        self.started = 0.0
        self._readers: list[threading.Thread] = []

    def start(self) -> None:
        """Start it (an OSError when it cannot be started: the shell is missing)."""
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if self.merge_stderr else subprocess.PIPE, start_new_session=True,
            text=True, encoding="utf-8", errors="replace")
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
            if self.on_line is not None:
                self.on_line(name, piece.rstrip("\n"))

    def output(self, stream: str = "stdout") -> str:
        return "".join(self.stdout if stream == "stdout" else self.stderr)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ended(self) -> bool:
        """Exited, and all it printed read."""
        return not self.running() and not any(reader.is_alive() for reader in self._readers)

    def stop(self, grace: float) -> int | None:
        """End it and whatever it started (its group: SIGTERM, SIGKILL after `grace` seconds); wait
        for everything it printed. Its return code."""
        process = self.process
        if process is None:
            return self.return_code
        self.return_code = end_group(process, grace)
        for reader in self._readers:
            reader.join(timeout=5)
        return self.return_code
