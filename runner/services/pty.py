"""A process under a pseudo-terminal (an app, or the dapr CLI running one), so its output is
line-buffered as a person would see it.

One documented entry point: `PtyProcess(argv, cwd, env, on_line, on_exit).start()`, then `stop()`.
Lines are delivered to `on_line` from a reader thread as they arrive; `on_exit` gets the
exit code once the app (and whatever kept its terminal open) is done.
"""

from __future__ import annotations

import os
import select
import shutil
import threading
import time
from pathlib import Path
from typing import Callable

import pexpect
import ptyprocess

from runner.errors import JobError
from runner.services.groups import group_alive, stop_group, track, untrack
from runner.services.terminal import shown


class AppStartError(JobError):
    pass


class _Spawn(pexpect.spawn):
    """pexpect's spawn, keeping the descriptors `pass_fds` names open in the child."""

    def __init__(self, *args, pass_fds: tuple[int, ...] = (), **kwargs):
        self._pass_fds = pass_fds  # read while the base class spawns
        super().__init__(*args, **kwargs)

    def _spawnpty(self, args, **kwargs):
        return ptyprocess.PtyProcess.spawn(args, pass_fds=self._pass_fds, **kwargs)


class PtyProcess:
    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str],
                 on_line: Callable[[str], None], on_exit: Callable[[int | None], None],
                 on_err_line: Callable[[str], None] | None = None):
        self.argv = argv
        self.cwd = cwd
        self.env = env
        self.on_line = on_line
        self.on_exit = on_exit
        # Given: its stderr apart from the terminal, line by line (as CLI 1.17+ leaves it, the
        # app's own stderr); else both on the terminal, in the order written.
        self.on_err_line = on_err_line
        self._err_reader: threading.Thread | None = None
        self.child: pexpect.spawn | None = None
        self._reader: threading.Thread | None = None
        # The reader reaps the child when its terminal closes, a stop asks whether it lives: both
        # call waitpid, and the one that comes second must find the status the first recorded
        # (not ECHILD, which once ended a run with `ChildProcessError` under load).
        self._waitpid = threading.Lock()

    def start(self) -> None:
        program = self.argv[0]
        if os.sep not in program and shutil.which(program, path=self.env.get("PATH")) is None:
            raise AppStartError(f"{program}: not found")
        err_read, err_write = os.pipe() if self.on_err_line is not None else (None, None)
        try:
            # A PTY child is a session leader: its pid is the process group of it and its children.
            self.child = _Spawn(
                program, self.argv[1:], cwd=str(self.cwd), env=self.env, echo=False,
                encoding="utf-8", codec_errors="replace", dimensions=(50, 2000), use_poll=True,
                pass_fds=(err_write,) if err_write is not None else (),
                preexec_fn=(lambda: (os.dup2(err_write, 2), os.close(err_write))) if err_write is not None else None,
            )
        except pexpect.ExceptionPexpect as exc:
            if err_read is not None:
                os.close(err_read)
                os.close(err_write)
            raise AppStartError(str(exc)) from None
        if err_read is not None:
            os.close(err_write)
            self._err_reader = threading.Thread(target=self._pump_err, args=(err_read,), name="app-stderr", daemon=True)
            self._err_reader.start()
        # Its group is stopped and reaped by `stop` before pexpect closes it: pexpect's own waits
        # for a child to go (0.1 s after closing, more after signals) only add to every job.
        self.child.delayafterclose = self.child.delayafterterminate = 0.0
        self.child.ptyproc.delayafterclose = self.child.ptyproc.delayafterterminate = 0.0
        track(self.child.pid)
        self._reader = threading.Thread(target=self._pump, name="app-reader", daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.child is not None
        pending = ""
        ready = select.poll()
        ready.register(self.child.child_fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            try:
                ready.poll(200)  # the wait for output holds no lock: a stop asking meanwhile is answered at once
                with self._waitpid:  # a read that meets the end asks whether the child lives: waitpid
                    chunk = self.child.read_nonblocking(65536, timeout=0)
            except pexpect.TIMEOUT:
                continue
            except (pexpect.EOF, OSError, ValueError, pexpect.ExceptionPexpect):  # ValueError: closed by a stop
                break
            pending += chunk.replace("\r\n", "\n")
            *lines, pending = pending.split("\n")
            for line in lines:
                self.on_line(shown(line.rstrip("\r")))
        if pending:
            self.on_line(shown(pending.rstrip("\r")))
        if self._err_reader is not None:
            self._err_reader.join(timeout=5)  # what it wrote to stderr before it ended, read whole
        self.on_exit(self._reap())

    def _pump_err(self, fd: int) -> None:
        with open(fd, encoding="utf-8", errors="replace", newline="") as stream:
            for line in stream:
                self.on_err_line(shown(line.rstrip("\r\n")))

    def _reap(self) -> int | None:
        assert self.child is not None
        while self.alive():  # polled, not a blocking wait: a stop may ask meanwhile
            time.sleep(0.05)
        if self.child.exitstatus is not None:
            return self.child.exitstatus
        if self.child.signalstatus is not None:
            return 128 + self.child.signalstatus
        return None

    def alive(self) -> bool:
        if self.child is None:
            return False
        with self._waitpid:
            try:
                return self.child.isalive()  # reaps a leader that has exited
            except (pexpect.ExceptionPexpect, ChildProcessError):
                return False

    def stop(self, grace: float = 5.0) -> None:
        """End the process and all its children (its process group); wait for the reader to finish."""
        if self.child is None:
            return
        pgid = self.child.pid  # a PTY child is a session leader: its pid is its group's id
        if self.alive() or group_alive(pgid):
            stop_group(pgid, None, grace, reap=self.alive)
        if self._reader is not None:
            self._reader.join(timeout=grace)
        with self._waitpid:
            try:
                self.child.close(force=True)
            except (pexpect.ExceptionPexpect, ChildProcessError):
                pass
        untrack(pgid)
