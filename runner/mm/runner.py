"""Run an annotated README the way mechanical-markdown's mm.py does, with the runner's sidecar.

Same step semantics: steps in order (filtered by tags), each command block through the
shell in its working_dir with its env, background steps left running and waited for at
the end, `sleep` after each command, a non-background command's return code checked at
once (a mismatch stops the run), then every step's stdout/stderr checked with mm's own
matching rules. Differences, on purpose: `dapr ...` inside a step runs our shim (a real
daprd and Redis the runner owns), every command is its own process group and is gone at
the end whatever happens, a timed-out command is stopped in seconds (mm sleeps 10 s), a
malformed README is one `FILE:LINE` line with exit 2, and with `early_stop` (validate) a
command whose step expectations are all met is stopped instead of waited for, once every app
it started has shown it came up and its output went quiet a moment. A build step (pip, npm,
mvn, go build...) takes one of the machine's build slots when `build_slot` gives them; the
blocks outside the STEPs that a reader runs to install (`reader_builds`, validate's way) run
as steps of their own before the step they precede; a service of the run dying ends the run
with what died (`fault`). What each `dapr run` started shows of itself is watched from its
output (`apps()`): whether it came up, how it ended, whether it crashed.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, ContextManager

from runner.formats.daprrun import apps_started
from runner.formats.shellwords import last_command, shell_calls
from runner.formats.steps import Annotated, Command, Step
from runner.formats.steps import step_selected
from runner.mm.model import CommandRun, ReaderBuild, StepRun
from runner.results import AppEvidence
from runner.services import machine
from runner.services.containers import Launcher, local
from runner.services.groups import check_interrupted, tracked_tempdir
from runner.services.ports import is_listening
from runner.services.shell import ShellCommand
from runner.services.shimenv import SHIMS, with_declared
from runner.transcript.apps import AppsWatch
from runner.formats.cli_lines import stop_output

if TYPE_CHECKING:
    from runner.mm.shimmed import Shimmed

# A command's group gets SIGTERM, then this long to end before SIGKILL: a `dapr` shim stops
# its apps and daprds on SIGTERM and prints the CLI's closing lines, which takes seconds.
STOP_GRACE_S = 10.0
_POLL_S = 0.05


class _Fault(Exception):
    """A service of the run died: the run ends."""


class ReadmeRun:
    def __init__(self, annotated: Annotated, shell: str = "bash -c", tags: list[str] | None = None,
                 cwd: Path | None = None, daprd: Path | None = None, control_plane_binaries=None, early_stop: bool = False,
                 manual: bool = False, say: Callable[[str], None] = print,
                 steps_env: Callable[[Path], dict[str, str]] | None = None, real_cli=None, launch: Launcher = local,
                 build_slot: Callable[[], ContextManager[None]] = contextlib.nullcontext,
                 stop_before: int | None = None, reader_builds: tuple[ReaderBuild, ...] = (),
                 redis_port: int | None = None):
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
        self.reader_builds = reader_builds  # blocks outside the STEPs a reader runs first (validate's way)
        self.redis_port = redis_port  # where the run's Redis must listen (None: a free port)
        self.steps: list[StepRun] = []
        self.env: dict[str, str] = {}
        self.shimmed: Shimmed | None = None  # made when the first step that calls a shim comes
        self._stack: contextlib.ExitStack | None = None
        self._workdir: Path | None = None
        self.fault: str | None = None  # what died under the run, when something did
        self._next_check = 0.0

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
            command.apps = AppsWatch(((app.app_id, app.app_port) for app in apps), f"`{last_command(text)}` at {where}",
                                     is_listening)
        watch = command.apps
        shell = ShellCommand([*self.shell, text], cwd, with_declared(self.env, step.env),
                             on_line=(lambda stream, text: watch.feed(text)) if watch is not None else None)
        try:
            shell.start()
        except OSError as exc:
            command.not_started.append(f"{exc}\n")
            command.return_code = 127
            return command
        command.shell = shell
        return command

    def _watch(self) -> None:
        """Between polls: an interrupt, or a service of the run that died, ends the run."""
        check_interrupted()
        if self.shimmed is None or time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + 0.5
        problem = self.shimmed.problem()
        if problem:
            self.fault = problem
            raise _Fault(problem)

    def _finish(self, command: CommandRun, step_run: StepRun, deadline: float) -> None:
        """Wait for the command: until it exits, times out, or (early stop) its step is satisfied
        and every app it started has shown it came up (a crash at start is seen, never cut off)."""
        if command.shell is None:
            return
        try:
            settled_since = None
            while command.shell.running():
                met = self.early_stop and step_run.expectations_met(time.monotonic(), stop_output(command.text))
                if met and (command.apps is None or command.apps.shown()):
                    settled_since = settled_since or time.monotonic()
                    if step_run.settled(settled_since):
                        command.stopped_early = True
                        break
                if time.monotonic() > deadline:
                    if met:  # what the step expects is in; an app never showed it came up: not a failure of the step
                        command.stopped_early = True
                    else:
                        command.timed_out = True
                        command.load = machine.load_note(command.cpu)
                    break
                self._watch()
                time.sleep(_POLL_S)
        finally:
            self._stop(command)

    def _stop(self, command: CommandRun) -> None:
        if command.shell is None:
            return
        if not command.shell.running():
            command.shell.wait_read()  # it ended by itself: all it printed is its own doing
        if command.apps is not None:
            command.apps.close()  # what follows is the stop's doing
        command.return_code = command.shell.stop(STOP_GRACE_S)
        command.duration_s = time.monotonic() - command.started

    def _sleep(self, step_run: StepRun, services_before: int) -> None:
        if not step_run.step.sleep:
            return
        until = time.monotonic() + step_run.step.sleep
        if not self.early_stop:
            while time.monotonic() < until:
                self._watch()
                time.sleep(_POLL_S)
            return
        # Early stop: a sleep after a command that returned having started services (`docker
        # compose up -d`) waits for them to come up; the shims return once they are ready.
        step, last = step_run.step, step_run.commands[-1]
        expects = step_run.expects_output()
        if not step.background and not expects and last.return_code == 0 and self._services() > services_before:
            return
        # The sleep is there to let the step's expected output arrive; stop waiting once it has,
        # or once nothing of the step runs any more to print it (an app that exited at once).
        # A step expecting nothing keeps its sleep: it may pace what later steps start.
        settled_since = None
        while time.monotonic() < until and not (expects and step_run.all_ended()):
            if step_run.expectations_met(time.monotonic()) and step_run.apps_shown():
                settled_since = settled_since or time.monotonic()
                if step_run.settled(settled_since):
                    break
            self._watch()
            time.sleep(_POLL_S)

    def _services(self) -> int:
        return self.shimmed.services_started() if self.shimmed else 0

    def _is_build(self, step: Step) -> bool:
        """A step that builds or installs and runs nothing else in the background."""
        from runner.recipes import is_build  # not at the top: the drop-in never asks, and starts faster

        return not step.background and any(is_build(call.words) for command in step.commands
                                            for call in shell_calls(command.text))

    def execute(self) -> bool:
        try:
            return self._execute()
        except _Fault:
            self._stop_all()
            return False

    def _execute(self) -> bool:
        success = True
        waiting = [build for build in self.reader_builds if not build.skip]
        for step in (s for s in self.annotated.steps if step_selected(s, self.tags)):
            if step.line == self.stop_before:
                self.stopped = True
                break
            for build in [build for build in waiting if build.before <= step.line]:
                waiting.remove(build)
                if not self._run_step(self._reader_step(build), reader_build=build):
                    return False
            if not self._run_step(step):
                return False
        for step_run in self.steps:
            for command in step_run.commands:
                if step_run.step.background:
                    self._finish(command, step_run, command.started + step_run.step.timeout_seconds + step_run.step.sleep)
                    if not step_run.command_ok(command):
                        success = False
        return success and all(s.output_ok() for s in self.steps)

    @staticmethod
    def _reader_step(build: ReaderBuild) -> Step:
        """A reader's unannotated block as a step of its own: run to its end, in its folder, 0 expected."""
        return Step(name=f"unannotated block at line {build.line}", line=build.line,
                    commands=[Command(build.text, build.line)], working_dir=str(build.folder))

    def _run_step(self, step: Step, reader_build: ReaderBuild | None = None) -> bool:
        """Run one step's blocks (a background one's are left running); False when a block
        returned what the step does not expect, which ends the run."""
        step_run = StepRun(step, reader_build=reader_build)
        self.steps.append(step_run)
        if self.manual and step.manual_pause_message:
            with contextlib.suppress(KeyboardInterrupt, EOFError):
                while input(step.manual_pause_message + "\nType 'x' to exit\n") != "x":
                    pass
        self._shims_for(step)
        shared = self.build_slot is not contextlib.nullcontext  # the drop-in has no slots to take
        turn = self.build_slot() if shared and self._is_build(step) else contextlib.nullcontext()
        with turn:
            for block in step.commands:
                services_before = self._services()
                command = self._start(step, block.text, block.line)
                step_run.commands.append(command)
                if not step.background:
                    self._finish(command, step_run, command.started + step.timeout_seconds + step.sleep)
                    if not step_run.command_ok(command):
                        return False
                self._sleep(step_run, services_before)
        return True

    def run(self) -> bool:
        with contextlib.ExitStack() as stack:
            workdir = stack.enter_context(tracked_tempdir("qsr-readme-"))
            self.env = dict(os.environ)
            if self.steps_env is not None:
                self.env.update(self.steps_env(workdir))
            self._stack, self._workdir = stack, workdir
            stack.callback(self._stop_all)
            success = self.execute()
            self._stop_all()
            return success

    def _shims_for(self, step: Step) -> None:
        """The shims and the services they serve, started when the first step that calls one
        comes (not while earlier steps build: they would idle beside the build)."""
        if self.shimmed is not None or not any(self._calls_shim(command.text) for command in step.commands):
            return
        from runner.mm.shimmed import shimmed_env, zipkin_for  # only here: a README that calls no shim starts fast

        self.shimmed = shimmed_env(self._workdir, self._stack, self.env, self.daprd, self.control_plane_binaries,
                                   self.real_cli, self.launch, zipkin_for(self.annotated), self.redis_port)
        self.env = self.shimmed.env
        self._stack.callback(self._stop_all)  # the steps' commands end before those services do

    @staticmethod
    def _calls_shim(block: str) -> bool:
        return any(call.program in SHIMS for call in shell_calls(block))

    def uses_shims(self) -> bool:
        """Whether a command calls `dapr` or `docker` (or another shim)."""
        return any(self._calls_shim(command.text) for step in self.annotated.steps for command in step.commands)

    def _stop_all(self) -> None:
        for step_run in self.steps:
            for command in step_run.commands:
                if command.shell is not None and command.return_code is None:
                    self._stop(command)

    def apps(self) -> list[AppEvidence]:
        """What each app the steps' `dapr run`s started showed, up to the moment its step was over."""
        return [app for step_run in self.steps for command in step_run.commands if command.apps is not None
                for app in command.apps.evidence()]

