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
it started has shown it came up and its output went quiet a moment, and its steps' lines are
compared without the CLI's framing of a one-app run (`== APP == `, which CLI 1.17 no longer
prints), the drop-in's exactly as printed. `dapr run` prints as the CLI version of the run
(mm/shimmed.py: the real CLI's, `--cli-version`, or the one paired with the runtime). A build step (pip, npm,
mvn, go build...) takes one of the machine's build slots when `build_slot` gives them; a
service of the run dying ends the run with what died (`fault`). What each `dapr run` started
shows of itself is watched from its output (`apps()`): whether it came up, how it ended,
whether it crashed.

With a `page` (validate's way) the README is also run as its reader reads it: the blocks its
reader runs outside the STEPs (installs, the apps a README with no STEP starts, the `curl`s to
running apps, placeholders filled from earlier answers) run at their place in the page, and
before each command the output blocks the page shows above it are awaited (until printed, or
the apps went quiet); what never came fails the run at its README line (`page_match`).
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
from runner.formats.readmepage import command_lines, filled, is_query
from runner.mm.model import CommandRun, PagePlan, ReaderBlock, StepRun
from runner.services.timeline import BUILD, RUN, SERVICES, STOP, current, phase
from runner.transcript.pagematch import PageMatch
from runner.results import AppEvidence
from runner.services import machine
from runner.services.machine import hold_turn
from runner.services.containers import Launcher, local
from runner.services.groups import check_interrupted, tracked_tempdir
from runner.services.ports import is_listening
from runner.services.shell import ShellCommand
from runner.services.shimenv import SHIMS, called_from, with_declared
from runner.transcript.apps import AppsWatch
from runner.formats.cli_lines import prints_bare_app_lines, runs_template, stop_output, without_label

if TYPE_CHECKING:
    from runner.mm.shimmed import Shimmed
    from runner.services.redis import RedisEndpoint

# A command's group gets SIGTERM, then this long to end before SIGKILL: a `dapr` shim stops
# its apps and daprds on SIGTERM and prints the CLI's closing lines, which takes seconds.
STOP_GRACE_S = 10.0
_POLL_S = 0.05
READER_COMMAND_S = {"build": 300.0, "client": 60.0, "stop": 60.0, "start": 300.0}  # how long a reader's own command may take
UP_WITHIN_S = 120.0  # how long a reader waits for what they started to come up before typing on
QUIET_UP_S = 2.0  # a start is up once its apps came up and its terminal then said nothing this long
# A page block is awaited until printed, or until the apps said nothing new this long (quickstart apps
# wait up to 20 s before a line: a job due in 20 s), or this long in all (a chatty app that never
# prints it: the lines a STEP expects are awaited by the STEP itself, as mm.py awaits them).
PAGE_SETTLE_S = 30.0
PAGE_WAIT_S = 40.0
ASK_AGAIN_S, ASK_AGAIN_EVERY_S = 20.0, 2.0  # a query whose answer is not yet what the page shows is asked again


class _Fault(Exception):
    """A service of the run died: the run ends."""


class ReadmeRun:
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
        self._app_output_at = time.monotonic()  # when a running app's terminal last printed
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
                                     is_listening, bare=bare and len(apps) == 1)
        watch = command.apps
        shows_apps = self.page is not None and (watch is not None or step.background)
        self._turn_for_start(command, text, apps or [])
        command.started = time.monotonic()  # its step's time starts now: the wait for a turn was the runner's

        def heard(stream: str, said: str) -> None:
            if watch is not None:
                watch.feed(said)
            if shows_apps:
                self.page_match.feed(said)
                self._app_output_at = time.monotonic()

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

    def _turn_for_start(self, command: CommandRun, text: str, apps: list) -> None:
        """A command that starts apps which load the cores while they start (a JVM, `go run`) waits for
        a turn for the cores and holds it until they came up (or it ended): each app starts as on a
        reader's machine, whatever else runs beside the job."""
        if self.build_slot is contextlib.nullcontext or self._building:  # the drop-in takes none; a build holds one
            return
        from runner.recipes import heavy_start, starts_app

        argvs = [tuple(app.command) for app in apps] + [call.words for call in shell_calls(text) if starts_app(call.words)]
        if not any(heavy_start(argv) for argv in argvs if argv):
            return
        hold_turn(self.build_slot(), lambda: command.return_code is not None or (
            command.shell is not None and (command.shell.ended() or self._came_up(command))))

    @staticmethod
    def _came_up(command: CommandRun) -> bool:
        """Whether what a command started came up: its apps showed it (else, a start the CLI does not
        run, it printed, then said nothing for a moment)."""
        if command.shell is None:
            return False
        if command.apps is not None:
            return command.apps.shown()
        return bool(command.shell.last_output) and time.monotonic() - command.shell.last_output > QUIET_UP_S

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
            settled_since = page_since = None
            while command.shell.running():
                met = self.early_stop and step_run.expectations_met(time.monotonic(), stop_output(command.text))
                if met and not self._page_shown(self._next_line(command.line), page_since):
                    page_since = page_since or time.monotonic()
                    settled_since = None
                elif met and (command.apps is None or command.apps.shown()):
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
            if command.shell is not None and self.page is not None:
                self.page_match.answered(self._lines_of(command.line), command.output("stdout") + command.output("stderr"))

    def _page_shown(self, line: int, waiting_since: float | None) -> bool:
        """Whether what the page shows above README line `line` is printed; else, once the apps went
        quiet or a while passed since the reader began waiting for it, given up (stays missing)."""
        if self.page_match.shown_above(line):
            return True
        now = time.monotonic()
        if waiting_since is not None and (now - self._app_output_at > PAGE_SETTLE_S or now - waiting_since > PAGE_WAIT_S):
            self.page_match.give_up(line)
            return True
        return False

    def _lines_of(self, fence_line: int) -> list[int]:
        """The README lines of the commands of the code block at `fence_line`."""
        block = self._blocks.get(fence_line)
        return [line for _, line in command_lines(block)] if block is not None else [fence_line]

    def _next_line(self, fence_line: int) -> int:
        """The README line of the next code block after the one at `fence_line` (what its reader
        reads before typing on)."""
        return next((line for line in sorted(self._blocks) if line > fence_line), 10**9)

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

    def _needs_cores(self, step: Step) -> bool:
        """A build step that keeps the cores busy (a compile), not one waiting on downloads (an
        install): it takes one of the machine's turns for the cores."""
        from runner.recipes import needs_cores

        return self._is_build(step) and any(needs_cores(call.words) for command in step.commands
                                            for call in shell_calls(command.text))

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
            elif not self._run_step(item):
                return False
        self._await_shown(10**9)
        for step_run in self.steps:
            for command in step_run.commands:
                if not step_run.step.background:
                    continue
                if step_run.reader_block is not None:  # the reader stops what they started: Ctrl+C
                    ended_by_itself = command.shell is not None and not command.shell.running()
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

    def _run_block(self, block: ReaderBlock) -> bool:
        """A reader's unannotated block as a step of its own, in its folder, 0 expected: run to its
        end, or (a start) left running once its apps came up. A client's placeholders are filled
        from earlier answers first; one nothing fills leaves it (and what the page shows of it)
        unchecked, said so."""
        self._await_started()
        text = block.text
        if block.fills:
            text, unfilled = filled(block.text, block.fills, list(self.page_match.answers.values()))
            if unfilled:
                why = (f"{self.annotated.path}:{block.line}: not run: nothing printed before it fills "
                       f"{', '.join(f'<{name}>' for name in unfilled)}")
                self.page_notes.append(why + self.page_match.drop(self._lines_of(block.line)))
                return True
        step = Step(name=f"unannotated block at line {block.line}", line=block.line,
                    commands=[Command(text, block.line)], working_dir=str(block.folder),
                    background=block.kind == "start", timeout_seconds=READER_COMMAND_S[block.kind])
        if not self._run_step(step, reader_block=block):
            return False
        if block.kind == "start":
            self._await_up(self.steps[-1].commands[-1])
        again = time.monotonic() + ASK_AGAIN_S
        while block.kind == "client" and is_query(text) and not self.page_match.answered_all(self._lines_of(block.line)) \
                and time.monotonic() < again:  # a workflow still running: its reader sends the GET again
            time.sleep(ASK_AGAIN_EVERY_S)
            if not self._run_step(step, reader_block=block):
                return False
        return True

    def _await_started(self) -> None:
        """Before a reader's own block: the apps earlier steps started in the background came up
        (a STEP's `sleep` is mm.py's guess at the time a start takes; a reader waits for it)."""
        for step_run in self.steps:
            for command in step_run.commands if step_run.step.background else ():
                while command.apps is not None and not command.ended() and not self._came_up(command) \
                        and time.monotonic() < command.started + UP_WITHIN_S:
                    self._watch()
                    time.sleep(_POLL_S)

    def _await_up(self, command: CommandRun) -> None:
        """Until the apps a reader's start started came up (or it ended), and its terminal then went
        quiet a moment: the reader reads what it printed, then types on. A start the CLI does not run
        (`mvn spring-boot:run`) counts as up once it printed."""
        deadline = command.started + UP_WITHIN_S
        while time.monotonic() < deadline and not command.ended():
            if self._came_up(command) and time.monotonic() - command.shell.last_output > QUIET_UP_S:
                return
            self._watch()
            time.sleep(_POLL_S)

    def _await_shown(self, line: int) -> None:
        """Until the output blocks the page shows above README line `line` are printed, the apps
        went quiet (they print nothing more), or a while passed: the reader reads, then types on.
        A block awaited so once is not awaited again (what is missing stays missing)."""
        if self.page is None:
            return
        started = time.monotonic()
        while not self._page_shown(line, started):
            if not self._apps_running():
                self.page_match.give_up(line)
                return
            self._watch()
            time.sleep(_POLL_S)

    def _apps_running(self) -> bool:
        return any(command.shell is not None and command.shell.running() for step_run in self.steps
                   for command in step_run.commands if step_run.step.background or command.apps is not None)

    def _run_step(self, step: Step, reader_block: ReaderBlock | None = None) -> bool:
        """Run one step's blocks (a background one's are left running); False when a block
        returned what the step does not expect, which ends the run."""
        step_run = StepRun(step, reader_block=reader_block, frame=without_label if self.early_stop else lambda line: line)
        self.steps.append(step_run)
        if self.manual and step.manual_pause_message:
            with contextlib.suppress(KeyboardInterrupt, EOFError):
                while input(step.manual_pause_message + "\nType 'x' to exit\n") != "x":
                    pass
        self._shims_for(step)
        shared = self.build_slot is not contextlib.nullcontext  # the drop-in has no slots to take
        building = self._is_build(step)
        turn = self.build_slot() if shared and self._needs_cores(step) else contextlib.nullcontext()
        if not building and self._running_since is None:
            self._running_since = time.monotonic()
        self._building = building
        with turn, phase(BUILD, last_command(step.commands[0].text) if step.commands else "") if building \
                else contextlib.nullcontext():
            for block in step.commands:
                self._await_shown(block.line)
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
        for step_run in self.steps:
            for command in step_run.commands:
                if command.shell is not None and command.return_code is None:
                    self._stop(command)

    def apps(self) -> list[AppEvidence]:
        """What each app the steps' `dapr run`s started showed, up to the moment its step was over."""
        return [app for step_run in self.steps for command in step_run.commands if command.apps is not None
                for app in command.apps.evidence()]

