"""Run a page: an annotated README the way mechanical-markdown's mm.py does, with the runner's
sidecar, and a page's reader blocks. Same step semantics (mm/steps.py): steps in order
(filtered by tags), each command block through the shell in its working_dir with its env, background steps left running and waited for at
the end, `sleep` after each command, a non-background command's return code checked at
once (a mismatch stops the run), then every step's stdout/stderr checked with mm's own
matching rules. Differences, on purpose: `dapr ...` inside a step runs our shim (a real
daprd and Redis the runner owns), every command is its own process group and is gone at
the end whatever happens, a timed-out command is stopped in seconds (mm sleeps 10 s), a
malformed README is one `FILE:LINE` line with exit 2, and with `early_stop` (validate) a
command whose step expectations are all met is stopped instead of waited for, once every app
it started has shown it came up and its output went quiet a moment, and its steps' lines are
compared without the CLI's framing of a one-app run (`== APP == `, which CLI 1.17 no longer
prints), the drop-in's exactly as printed. `dapr run` prints as the CLI version of the run
(mm/shimmed.py: the real CLI's, `--cli-version`, or the one paired with the runtime). A build step (pip, npm,
mvn, go build...) takes one of the machine's build slots when `build_slot` gives them; a
service of the run dying ends the run with what died (`fault`). What each `dapr run` started
shows of itself is watched from its output (`apps()`): whether it came up, how it ended,
whether it crashed.

With a `page` (validate's and docs check's way) the page is also run as its reader reads it
(mm/reader.py): one engine for a README and a docs tab, whose page model has no STEPs.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, ContextManager

from runner.formats.daprrun import apps_started
from runner.formats.shellwords import last_command, shell_calls
from runner.formats.steps import Annotated, Step
from runner.formats.steps import step_selected
from runner.mm.reader import PageReader
from runner.mm.steps import StepRunner
from runner.mm.model import CommandRun, News, StepRun
from runner.page.model import PagePlan, ReaderBlock
from runner.services.timeline import BUILD, RUN, SERVICES, STOP, current, phase
from runner.transcript.pagematch import PageMatch
from runner.results import AppEvidence
from runner.services import machine
from runner.services.containers import Launcher, local
from runner.services.groups import check_interrupted, tracked_tempdir
from runner.services.daprdhealth import initialized
from runner.services.ports import is_listening
from runner.services.shell import ShellCommand
from runner.services.shimenv import SHIMS, called_from, with_declared
from runner.transcript.apps import AppsWatch
from runner.formats.cli_lines import prints_bare_app_lines, runs_template

if TYPE_CHECKING:
    from runner.mm.shimmed import Shimmed
    from runner.services.redis import RedisEndpoint

# A command's group gets SIGTERM, then this long to end before SIGKILL: a `dapr` shim stops
# its apps and daprds on SIGTERM and prints the CLI's closing lines, which takes seconds.
STOP_GRACE_S = 10.0


class _Fault(Exception):
    """A service of the run died: the run ends."""


class ReadmeRun(StepRunner, PageReader):
    def __init__(self, annotated: Annotated, shell: str = "bash -c", tags: list[str] | None = None,
                 cwd: Path | None = None, daprd: Path | None = None, control_plane_binaries=None, early_stop: bool = False,
                 manual: bool = False, say: Callable[[str], None] = print,
                 steps_env: Callable[[Path], dict[str, str]] | None = None, real_cli=None, launch: Launcher = local,
                 build_slot: Callable[[], ContextManager[None]] = contextlib.nullcontext,
                 stop_before: int | None = None, page: PagePlan | None = None,
                 redis_port: int | None = None, redis: RedisEndpoint | None = None):
        self.annotated = annotated
        self.shell = shlex.split(shell)
        self.shell_text = shell
        self.tags = tags or []
        self.cwd = cwd or Path.cwd()
        self.daprd = daprd
        self.control_plane_binaries = control_plane_binaries  # placement and scheduler, started once for the README
        self.early_stop = early_stop
        self.manual = manual
        self.say = say
        self.steps_env = steps_env  # the language's environment for the steps, made in the run's dir
        self.real_cli = real_cli  # --sidecar dapr: the `dapr` shim hands every call to this CLI
        self.launch = launch  # its Redis and control plane as processes, or in containers
        self.build_slot = build_slot
        self.stop_before = stop_before  # the README line of a step not to run, nor any after it
        self.stopped = False  # whether the run ended at that step
        self.page = page  # what its reader runs and sees beyond the STEPs (validate's way)
        self.page_match = PageMatch(page.checked if page else [], page.receivers if page else ())
        self.page_notes: list[str] = []  # what of the page was not checked, and why (a placeholder nothing filled)
        self._blocks = {block.line: block for block in annotated.blocks}
        self._news = News()  # when a running app's terminal last said something new
        self._terminals = itertools.count(1)
        self._running_since: float | None = None  # when its first step that is not a build began
        self._building = False  # a build step runs (it holds a turn for the cores, if it needs one)
        self.redis_port = redis_port  # where the run's Redis must listen (None: a free port)
        self.redis = redis  # a Redis already answering there, used instead of starting one
        self.steps: list[StepRun] = []
        self.env: dict[str, str] = {}
        self.shimmed: Shimmed | None = None  # made when the first step that calls a shim comes
        self._stack: contextlib.ExitStack | None = None
        self._workdir: Path | None = None
        self.fault: str | None = None  # what died under the run, when something did
        self._next_check = 0.0
        self._last_returned = 0.0  # when a command last ended

    # -- running -------------------------------------------------------------------------
    def _start(self, step: Step, text: str, line: int = 0) -> CommandRun:
        command = CommandRun(text, line)
        cwd = self.cwd / step.working_dir if step.working_dir else self.cwd
        self.say(f"Running shell '{self.shell_text}' with command: `{text}`")
        command.started = time.monotonic()
        command.cpu = machine.mark()
        apps = apps_started(text, cwd)
        if apps is not None:
            where = f"{self.annotated.path}:{line}" if line else str(self.annotated.path)
            bare = prints_bare_app_lines(self.shimmed.cli_format if self.shimmed else None) and not any(
                runs_template(call.words) for call in shell_calls(text) if call.words[:2] == ("dapr", "run"))
            command.apps = AppsWatch(((app.app_id, app.app_port) for app in apps), f"`{last_command(text)}` at {where}",
                                     is_listening, bare=bare and len(apps) == 1, sidecar_ready=initialized)
        watch = command.apps
        shows_apps = self.page is not None and (watch is not None or step.background)
        printer = apps[0].app_id if apps and len(apps) == 1 else None
        terminal = next(self._terminals)  # each command its own: an app run again is read apart
        self._turn_for_start(command, text, apps or [])
        self._await_spans(text)
        self._close_stopped(text)
        command.started = time.monotonic()  # its step's time starts now: the wait for a turn was the runner's

        def heard(stream: str, said: str) -> None:
            if watch is not None:
                watch.feed(said)
            if shows_apps:
                before = self.page_match.matched
                self.page_match.feed(said, printer, terminal)
                self._news.heard(printer, said, self.page_match.matched != before)

        env = {**with_declared(self.env, step.env), **called_from(self.annotated.path, line)}
        shell = ShellCommand([*self.shell, text], cwd, env,
                             on_line=heard if watch is not None or shows_apps else None)
        try:
            shell.start()
        except OSError as exc:
            # Where the step's folder is missing, say so as a shell would, not as Python does.
            said = f"{exc.filename}: No such file or directory" if isinstance(exc, FileNotFoundError) and exc.filename else exc
            command.not_started.append(f"cannot run it there: {said}\n")
            command.return_code = 127
            return command
        command.shell = shell
        return command

    def _watch(self) -> None:
        """Between polls: an interrupt, or a service of the run that died, ends the run; an app that
        listens is seen then (its time dates a start race), not when a step next asks."""
        check_interrupted()
        if time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + 0.5
        for command in self._watched_running():
            command.apps.shown()
        problem = self.shimmed.problem() if self.shimmed is not None else None
        if problem:
            self.fault = problem
            raise _Fault(problem)

    def _stop(self, command: CommandRun) -> None:
        if command.shell is None:
            return
        if not command.shell.running():
            command.shell.wait_read()  # it ended by itself: all it printed is its own doing
        if command.apps is not None:
            command.apps.close()  # what follows is the stop's doing
        command.return_code = command.shell.stop(STOP_GRACE_S)
        command.duration_s = time.monotonic() - command.started
        self._last_returned = time.monotonic()

    def _services(self) -> int:
        return self.shimmed.services_started() if self.shimmed else 0

    def execute(self) -> bool:
        try:
            return self._execute()
        except _Fault:
            self._stop_all()
            return False

    def _execute(self) -> bool:
        success = True
        steps = [(step.line, step) for step in self.annotated.steps if step_selected(step, self.tags)]
        blocks = [(block.line, block) for block in (self.page.blocks if self.page else ()) if not block.skip]
        for line, item in sorted(steps + blocks, key=lambda pair: pair[0]):
            if line == self.stop_before:
                self.stopped = True
                break
            if isinstance(item, ReaderBlock):
                if not self._run_block(item):
                    return False
                continue
            if self.early_stop:  # validate's reader waits for what started to come up; mm.py only sleeps
                self._await_started()
            if not self._run_step(item):
                return False
        self._await_shown(10**9)
        for step_run in self.steps:
            for command in step_run.commands:
                if not step_run.step.background:
                    continue
                if step_run.reader_block is not None:  # the reader stops what they started: Ctrl+C
                    ended_by_itself = command.shell is not None and not command.shell.running() \
                        and not command.stopped_early  # not stopped for a second start of the same app
                    self._stop(command)
                    # A start that ended on its own with an error (`dapr run -f .` refusing its
                    # template) failed; one still running when stopped did not.
                    command.stopped_early = not (ended_by_itself and command.return_code)
                    if not step_run.command_ok(command):
                        success = False
                    continue
                self._finish(command, step_run, command.started + step_run.step.timeout_seconds + step_run.step.sleep)
                if not step_run.command_ok(command):
                    success = False
        return success and all(s.output_ok() for s in self.steps) and self.page_match.complete

    def run(self) -> bool:
        stopping = None
        try:
            with contextlib.ExitStack() as stack:
                workdir = stack.enter_context(tracked_tempdir("qsr-readme-"))
                self.env = dict(os.environ)
                if self.steps_env is not None:
                    with phase(BUILD, "the steps' environment"):
                        self.env.update(self.steps_env(workdir))
                self._stack, self._workdir = stack, workdir
                stack.callback(self._stop_all)
                success = self.execute()
                stopping = time.monotonic()
                if (timeline := current()) is not None and self._running_since is not None:
                    timeline.add(RUN, self._running_since, stopping)
                self._stop_all()
                return success
        finally:
            if stopping is not None and (timeline := current()) is not None:
                timeline.add(STOP, stopping, time.monotonic())

    def _shims_for(self, step: Step) -> None:
        """The shims and the services they serve, started when the first step that calls one
        comes (not while earlier steps build: they would idle beside the build)."""
        if self.shimmed is not None or not any(self._calls_shim(command.text) for command in step.commands):
            return
        from runner.mm.shimmed import shimmed_env, zipkin_for  # only here: a README that calls no shim starts fast

        with phase(SERVICES, "Redis, placement, scheduler"):
            self.shimmed = shimmed_env(self._workdir, self._stack, self.env, self.daprd, self.control_plane_binaries,
                                       self.real_cli, self.launch, zipkin_for(self.annotated), self.redis_port,
                                       self.redis, labelled=self.early_stop)
        self.env = self.shimmed.env
        self._stack.callback(self._stop_all)  # the steps' commands end before those services do

    @staticmethod
    def _calls_shim(block: str) -> bool:
        return any(call.program in SHIMS for call in shell_calls(block))

    def uses_shims(self) -> bool:
        """Whether a command calls `dapr` or `docker` (or another shim)."""
        return any(self._calls_shim(command.text) for step in self.annotated.steps for command in step.commands)

    def _stop_all(self) -> None:
        """What still runs once the run is over: a step asked to stop (`dapr stop`) may still be in its
        exit, and our SIGTERM then ends it with -15: that code is ours, not the step's."""
        for step_run in self.steps:
            for command in step_run.commands:
                if command.shell is not None and command.return_code is None:
                    self._stop(command)
                    command.stopped_at_end = command.shell.stopped_by_us

    def apps(self) -> list[AppEvidence]:
        """What each app the steps' `dapr run`s started showed, up to the moment its step was over."""
        return [app for step_run in self.steps for command in step_run.commands if command.apps is not None
                for app in command.apps.evidence()]

