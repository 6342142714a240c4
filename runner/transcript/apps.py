"""What the apps of a run showed of themselves, read from the lines the dapr CLI prints (or the
runner, printing them in its place): whether each app came up (it listened on its app port;
one without an app port printed a line of its own or exited 0), how it ended (by itself with a
status, or stopped by a signal: `dapr stop`, a Ctrl-C, the runner), and whether it crashed: it
ended by itself with an error, or printed the crash lines of its runtime (a Python traceback,
a Go panic, an uncaught Java or .NET exception, Node's report of one).

Only what is fed counts: whoever feeds a watch stops feeding it once the job is over (`close`),
so an app the job itself stops never looks crashed.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from runner.formats.cli_lines import labelled, sidecar_http_port, split_label
from runner.results import AppEvidence
from runner.transcript.causes import cause
from runner.transcript.normalize import strip_ansi

_APP_EXIT = re.compile(r"The App process exited with error code: (?P<how>.+?)\s*$")
_APP_OK = re.compile(r"Exited App successfully\s*$")
_DAPRD_EXIT = re.compile(r"The daprd process exited with error code: (?P<how>.+?)\s*$")
_STATUS = re.compile(r"^(?:exit status )?(-?\d+)$")  # CLI 1.16 says `exit status 3`, 1.17 on `3`
# The first line each runtime prints of an error nothing caught.
CRASH_LINES = (
    re.compile(r"^Traceback \(most recent call last\):"),  # Python
    re.compile(r"^panic: "),  # Go
    re.compile(r"^fatal error: "),  # the Go runtime
    re.compile(r'^Exception in thread "[^"]*" '),  # Java
    re.compile(r"^Unhandled [eE]xception[.:] "),  # .NET
    re.compile(r"^Node\.js v\d+\.\d+\.\d+\s*$"),  # Node.js, after the error it did not catch
    re.compile(r"^\[UnhandledPromiseRejection"),  # Node.js
)
# Signals someone sends to stop a process (a stop, Ctrl-C, a hang-up, the SIGKILL after a grace):
# an app ended by one was stopped, not crashed. Others (SIGSEGV, SIGABRT...) are crashes.
_STOP_SIGNALS = {1: "hangup", 2: "interrupt", 9: "killed", 15: "terminated"}
_TAIL = 20  # lines of an app kept to say why it crashed
_REPORT_S = 2.0  # how long a crash report takes to print whole, at most


# What a toolchain prints while it builds the app a command runs (`dotnet run`, `go run`, `mvn
# spring-boot:run`): not the app's own words, so no sign it is at work (nor came up).
_BUILD_OUTPUT = re.compile(r"\.(?:cs|fs|vb)proj : (?:warning|error) |^\s*(?:Determining projects to restore|Restore "
                           r"complete|All projects are up-to-date|Building\.\.\.)|^go: (?:downloading|finding) |"
                           r"^\[(?:INFO|WARNING)\] |^npm (?:warn|WARN|notice) ")


def is_build_output(text: str) -> bool:
    return _BUILD_OUTPUT.search(strip_ansi(text)) is not None


def is_crash_line(text: str) -> bool:
    """Whether an app's own line (without the CLI's prefix) is its runtime reporting a crash."""
    text = strip_ansi(text)
    return any(pattern.search(text) for pattern in CRASH_LINES)


def how_it_ended(how: str) -> tuple[str, bool]:
    """The CLI's (Go's) words for a process's end, `exit status 1` (1.17 on: `1`) or `signal: killed`,
    as (what a person reads, whether it was a crash)."""
    found = _STATUS.search(how.strip())
    if found:
        code = int(found.group(1))
        if code > 128 and code - 128 in _STOP_SIGNALS:  # a shell's way of saying a signal ended it
            return f"stopped ({_STOP_SIGNALS[code - 128]})", False
        return f"exited with {code}", code != 0
    signal = how.split("signal:", 1)[1].strip() if "signal:" in how else how.strip()
    if signal in _STOP_SIGNALS.values():
        return f"stopped ({signal})", False
    return f"killed by signal ({signal})", True


@dataclass
class _App:
    app_id: str
    app_port: int | None
    came_up: str | None = None
    ended: str | None = None
    crashed: bool = False
    crashed_at: float | None = None  # when its crash report began (monotonic)
    first_at: float | None = None  # when it printed its first line of its own (monotonic)
    first_line: str | None = None
    up_at: float | None = None  # when it was seen to come up (monotonic)
    tail: list[str] = field(default_factory=list)
    sidecar_port: int | None = None  # its daprd's HTTP port, as the CLI said it
    sidecar_ready: bool = False  # its daprd said it is initialized


class AppsWatch:
    """The apps one `dapr run` (or one job) starts, watched through its output. Apps named
    beforehand (`apps`: id and app port) must each show they came up; an app that prints under
    an id not named is watched too. Fed from reader threads: every method takes the lock."""

    def __init__(self, apps: Iterable[tuple[str, int | None]] = (), started_by: str = "",
                 listening: Callable[[int], bool] = lambda port: False, bare: bool = False,
                 sidecar_ready: Callable[[int], bool] = lambda port: True):
        self.started_by = started_by
        self.sidecar_up = sidecar_ready
        # One app whose lines the CLI prints bare (1.17 on): every line that is not the CLI's or
        # its daprd's own is the app's, as a person reads that output.
        self.bare = bare
        self.listening = listening
        self.apps: dict[str, _App] = {app_id: _App(app_id, port) for app_id, port in apps}
        self.daprd_crash: str | None = None  # how a sidecar the CLI started ended by itself, with an error
        self.closed = False
        self._last: str | None = None  # the app that printed last (the CLI's exit lines name none)
        self._lock = threading.Lock()
        self.began = time.monotonic()

    def _app(self, app_id: str | None) -> _App:
        if app_id is None:  # `== APP == `: the one app of a `dapr run`
            app_id = self._last or next(iter(self.apps), "app")
        if app_id not in self.apps:
            self.apps[app_id] = _App(app_id, None)
        return self.apps[app_id]

    def feed(self, line: str) -> None:
        """One line of the output, as printed (colours and the CLI's status marks allowed)."""
        text = strip_ansi(line)
        if self.bare:
            text = labelled(text)
        with self._lock:
            if self.closed:
                return
            if (sidecar := sidecar_http_port(text)) and sidecar[0] in self.apps:
                self.apps[sidecar[0]].sidecar_port = sidecar[1]
            if labelled_line := split_label(text):
                app_id, own = labelled_line
                app = self._app(app_id)
                self._last = app.app_id
                # The CLI's exit lines of a multi-app run reach the app's writer: not its own words.
                if _APP_EXIT.search(own) or _APP_OK.search(own):
                    self._ended(app, own)
                    return
                app.tail = (app.tail + [own])[-_TAIL:]
                if is_build_output(own):
                    return
                if app.first_at is None and own.strip():
                    app.first_at, app.first_line = time.monotonic(), own.strip()
                if is_crash_line(own):
                    app.crashed = True
                    app.crashed_at = app.crashed_at or time.monotonic()
                elif app.came_up is None and app.app_port is None and own.strip() and not app.crashed:
                    app.came_up, app.up_at = "printed a line", time.monotonic()
            elif _APP_EXIT.search(text):  # a crash: the app whose error output came last
                self._ended(self._app(None), text)
            elif _APP_OK.search(text):
                self._ended(self._finishing(), text)
            elif found := _DAPRD_EXIT.search(text):
                how, crashed = how_it_ended(found.group("how"))
                if crashed:
                    self.daprd_crash = how

    def _finishing(self) -> _App:
        """The app an unlabelled `Exited App successfully` is about: the one app still running, else
        the one still running with no app port (a client done with its work; a server serves until
        stopped, and may well have printed since), else the one that never listened on the port
        its template gives it (a client given one: jobs/python/sdk's scheduler), else the app that
        printed last."""
        running = [app for app in self.apps.values() if app.ended is None]
        portless = [app for app in running if app.app_port is None]
        deaf = [app for app in running if app.app_port is None or _deaf(app)]
        for candidates in (running, portless, deaf):
            if len(candidates) == 1:
                return candidates[0]
        return self._app(None)

    def _ended(self, app: _App, text: str) -> None:
        if app.ended is not None:
            return
        if _APP_OK.search(text):
            app.ended = "exited 0"
        else:
            app.ended, crashed = how_it_ended(_APP_EXIT.search(text).group("how"))
            app.crashed = app.crashed or crashed
        if app.came_up is None and app.ended == "exited 0":
            app.came_up = "exited 0"

    def shown(self) -> bool:
        """Whether every app named has shown it came up, ended or crashed: until then the job is
        not over, whatever its expected lines say."""
        with self._lock:
            for app in self.apps.values():
                if app.came_up is None and app.ended is None and app.app_port and self.listening(app.app_port):
                    app.came_up, app.up_at = f"listened on port {app.app_port}", time.monotonic()
            return all(self._showed(app) for app in self.apps.values())

    def ready(self, idle: Callable[[], bool] | None = None) -> bool:
        """shown(), and the sidecar of each app that came up listening says it is initialized: a
        daprd asks its app for its configuration once the app listens, and serves calls only after
        (a call sent meanwhile into an app whose handler waits on its daprd deadlocks the two).
        `idle`, asked only when all that keeps it from shown() is apps that wait quietly
        (`waits_on_quiet_apps`): whether the start's processes went idle; then such an app (one that
        prints only when something fails) counts once its sidecar is initialized."""
        if not self.shown() and not (idle is not None and self.waits_on_quiet_apps() and idle()):
            return False
        with self._lock:
            waiting = [app for app in self.apps.values() if app.sidecar_port and not app.sidecar_ready and app.ended is None
                       and ((app.came_up or "").startswith("listened") or not self._showed(app))]
        for app in waiting:  # asked outside the lock: a feed must not wait on a daprd
            if self.sidecar_up(app.sidecar_port):
                with self._lock:
                    app.sidecar_ready = True
        with self._lock:
            return all(app.sidecar_ready for app in waiting)

    def waits_on_quiet_apps(self) -> bool:
        """Whether all that keeps it from being shown() (as last asked) is apps with no app port
        (nothing to listen on) that showed nothing yet, each with a sidecar the CLI named."""
        with self._lock:
            pending = [app for app in self.apps.values() if not self._showed(app)]
            return bool(pending) and all(app.app_port is None and app.sidecar_port for app in pending)

    def ports_open(self) -> bool:
        """Whether every app with an app port listens on it (or ended): what a reader waits for
        before calling it."""
        self.shown()  # notes the ports that listen now
        with self._lock:
            return all(app.app_port is None or self._showed(app) for app in self.apps.values())

    def _showed(self, app: _App) -> bool:
        """It came up, ended, or its crash report is in."""
        return app.came_up is not None or app.ended is not None or self._reported(app)

    @staticmethod
    def _reported(app: _App) -> bool:
        """A crash report has had time to be printed whole (the line that says why comes last)."""
        return app.crashed_at is not None and time.monotonic() - app.crashed_at > _REPORT_S

    def close(self) -> None:
        """The job is over: what comes now is the job stopping its apps."""
        self.shown()
        with self._lock:
            self.closed = True

    def evidence(self) -> list[AppEvidence]:
        with self._lock:
            since = lambda at: round(at - self.began, 2) if at is not None else None  # noqa: E731
            apps = [AppEvidence(app.app_id, self.started_by, app.came_up, app.ended, app.crashed,
                                _why(app.tail) if app.crashed else cause("\n".join(app.tail)) if _deaf(app) else None,
                                app.tail[-3:] if app.crashed else [],
                                app.app_port, since(app.up_at), since(app.first_at), app.first_line)
                    for app in self.apps.values()]
            if self.daprd_crash:  # a sidecar counts as an app: the CLI's report of its end is all there is
                apps.append(AppEvidence("daprd", self.started_by, None, self.daprd_crash, True,
                                        "the sidecar exited by itself during the run"))
            return apps


def _deaf(app: _App) -> bool:
    """An app with an app port that never listened on it, and never ended."""
    return app.app_port is not None and app.came_up is None and app.ended is None


def _why(tail: list[str]) -> str | None:
    """The line of a crashed app's last output that says why (an exception's last line, say)."""
    return cause("\n".join(tail)) or next((line.strip() for line in reversed(tail) if line.strip()), None)
