"""The `dapr` fixture's object: `dapr run` in the foreground or in the background, in the
convention of dapr/python-sdk's example tests, served by the runner's own sidecar and
services (a Redis, placement and scheduler of the test's own; the `dapr` and `docker`
shims, so the output is the dapr CLI's, and components point at the test's services), or by
the real CLI (`--dapr-sidecar dapr`)."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable

from runner.formats.daprrun import DaprRunError, parse_dapr_run
from runner.mm.model import QUIET_S, SETTLE_CAP_S
from runner.mm.shimmed import shimmed_env
from runner.services.groups import track_dir, untrack_dir
from runner.services.shell import ShellCommand
from runner.services.shimenv import ShimContext
from runner.services.ports import is_listening, port_turns

FIRST_LINE_CAP_S = 5.0  # how long `start` waits for a first line from an app with no port

_PORT_FLAGS = ("app_port", "dapr_http_port", "dapr_grpc_port")
# What the dapr CLI prints once the sidecar (and the app, when there is one) is up.
_UP = ("You're up and running!", "Dapr sidecar is up and running.")


def _healthy(port: int) -> bool:
    """Whether a sidecar on `port` says it is ready (its app channel too)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1.0/healthz", timeout=0.5) as response:
            return response.status < 300
    except (OSError, ValueError):
        return False


class _DaprRunProcess:
    """One `dapr run`: its process group and everything it printed, read as it comes (through
    the runner's one launcher, stdout and stderr in the order they were written)."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], turns: contextlib.ExitStack):
        self.turns = turns  # the machine-wide turns on the ports it names, held until it is stopped
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.shell = ShellCommand(argv, cwd, env, on_line=self._heard, merge_stderr=True)
        self.app_port: int | None = None  # what it names, to know when it is ready
        self.dapr_http_port: int | None = None
        self.has_app = True
        self.shell.start()

    def _heard(self, stream: str, line: str) -> None:
        with self.changed:
            self.lines.append(line)
            self.changed.notify_all()

    def output(self) -> str:
        with self.changed:
            return "".join(f"{line}\n" for line in self.lines)

    def wait_for(self, strings: list[str], timeout: float, every: bool = True) -> bool:
        """Until every string (or any, `every=False`) has appeared (True), or the process ended or
        time ran out (False)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                text = "\n".join(self.lines)
                if strings and (all if every else any)(s in text for s in strings):
                    return True
                if self.shell.ended() or time.monotonic() >= deadline:
                    return False
                self.changed.wait(timeout=0.1)

    def stop(self) -> str:
        self.shell.stop(grace=5.0)
        self.turns.close()
        return self.output()


class DaprRunner:
    """`run` (foreground) and `start`/`stop` (one background run at a time) of `dapr run ARGS`
    in `cwd`, with a Redis and control plane of this test's own."""

    def __init__(self, cwd: Path, daprd: Path | None, control_plane_binaries=None, real_cli=None,
                 on_wait: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True),
                 name: str = "a dapr fixture", app_venv: Path | None = None):
        self.cwd = cwd
        self._on_wait = on_wait
        self._name = name
        self._stack = contextlib.ExitStack()
        self._workdir = Path(tempfile.mkdtemp(prefix="qsr-dapr-fixture-"))
        track_dir(self._workdir)
        self._stack.callback(untrack_dir, self._workdir)
        self._stack.callback(shutil.rmtree, self._workdir, True)
        # An example's `python3 app.py` runs in the environment the tests run in (their SDK), as it
        # does under `uv run` or an activated venv; `app_venv` (its own requirements') goes first.
        first = [str(app_venv / "bin")] if app_venv else []
        path = os.pathsep.join([*first, str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        here = {**os.environ, "PATH": path}
        if app_venv:
            here["VIRTUAL_ENV"] = str(app_venv)
        self.env = shimmed_env(self._workdir, self._stack, here, daprd, control_plane_binaries, real_cli).env
        self.redis = ShimContext.from_env(self.env).redis  # the test's own Redis, its components' store
        self._background: _DaprRunProcess | None = None

    def _launch(self, args: str | list[str]) -> _DaprRunProcess:
        """`dapr run ARGS` started, once this test's turn on every port it names has come: tests
        on other workers that name one of them run before or after it, never beside it."""
        words = shlex.split(args) if isinstance(args, str) else list(args)
        try:
            run = parse_dapr_run(shlex.join(["dapr", "run", *words]))
        except DaprRunError as exc:
            raise ValueError(f"dapr run {shlex.join(words)}: {exc}") from None
        turns = contextlib.ExitStack()
        try:
            turns.enter_context(port_turns(filter(None, (getattr(run, flag) for flag in _PORT_FLAGS)), self._name,
                                           self._on_wait))
            process = _DaprRunProcess(["dapr", "run", *words], self.cwd, self.env, turns)
            process.app_port, process.dapr_http_port = run.app_port, run.dapr_http_port
            process.has_app = bool(run.command or run.run_file)
            return process
        except BaseException:
            turns.close()
            raise

    def run(self, args: str | list[str], *, timeout: float = 30, until: list[str] | None = None) -> str:
        """Run `dapr run ARGS` in the foreground; return all it printed when it exits, when every
        `until` string has appeared, or when `timeout` seconds have passed (it is stopped then)."""
        run = self._launch(args)
        try:
            run.wait_for(until or [], timeout)  # with no `until`: to its exit or the timeout
        finally:
            output = run.stop()
        return output

    def start(self, args: str | list[str], *, wait: float = 30) -> None:
        """Start `dapr run ARGS` in the background; return once the sidecar says it is up, and the
        app has come up (it listens on the `--app-port` it names; one without printed a line of its
        own, or kept silent FIRST_LINE_CAP_S), and its output went quiet a moment, and a sidecar on a
        named `--dapr-http-port` is ready (or the process ended, or `wait` passed)."""
        if self._background is not None:
            raise RuntimeError("a background `dapr run` is already running in this test: stop() it first")
        background = self._background = self._launch(args)
        deadline = time.monotonic() + wait
        background.wait_for(list(_UP), wait, every=False)
        # Up is not ready: the sidecar answers for its app once the app listens and it has found it;
        # an app with no port has come up once it printed a line of its own, though a subscriber may
        # print nothing until a message comes: its silence is waited out only so long.
        ready = []
        if background.app_port:
            ready.append((lambda: is_listening(background.app_port), deadline))
        elif background.has_app:
            ready.append((lambda: "== APP" in background.output(), min(deadline, time.monotonic() + FIRST_LINE_CAP_S)))
        if background.dapr_http_port:
            ready.append((lambda: _healthy(background.dapr_http_port), deadline))
        for check, until in ready:
            while not check() and not background.shell.ended() and time.monotonic() < until:
                time.sleep(0.1)
        # ...and settled: what it does on coming up (reading, subscribing) is done once it went quiet a moment.
        settled_by = min(deadline, time.monotonic() + SETTLE_CAP_S)
        while time.monotonic() - background.shell.last_output < QUIET_S and time.monotonic() < settled_by:
            time.sleep(0.1)

    def stop(self) -> str:
        """Stop the background run; return everything it printed."""
        if self._background is None:
            raise RuntimeError("no background `dapr run` to stop: start() one first")
        run, self._background = self._background, None
        return run.stop()

    def close(self) -> None:
        """What the test left running is stopped, its services and files removed."""
        try:
            if self._background is not None:
                self.stop()
        finally:
            self._stack.close()
