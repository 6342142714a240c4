"""A docs tab run as its reader runs it: every command of the tab, in page order, in the folder
the reader is in, through the same `dapr` and `docker` shims as README jobs (so `docker exec
dapr_redis redis-cli` reaches the tab's Redis), each `dapr run` in a terminal of its own.

Before each command, what the page shows above it has been printed (the reader reads the
output, then types on), or its terminal went quiet; a `dapr run` of an app another terminal
still runs stops that one first (the reader pressed Ctrl-C there). The run ends once every
output line of the tab is matched, or its terminals said nothing new for the plan's settle time
(an app that repeats itself, a batch every ten seconds, is quiet), or time is up; a command that
fails before that blocks the run (`blocked`: the output cannot be compared). Time spent waiting
for a build slot is not the tab's: its limit is the same at any load."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import threading
import time
from pathlib import Path
from typing import Callable

from runner.formats.daprrun import DaprRunError, apps_started, parse_dapr_run
from runner.formats.shellwords import shell_calls
from runner.job.plan import JobPlan, ScriptCommand
from runner.job.settings import RunSettings
from runner.job.verdict import AppRunOutcome, app_result, skipped
from runner.mm.shimmed import Shimmed, shimmed_env
from runner.recipes import RECIPES, is_build
from runner.results import AppEvidence, JobResult, Progress
from runner.services.groups import check_interrupted, tracked_tempdir
from runner.services.ports import is_listening
from runner.services.shell import ShellCommand
from runner.services.shimenv import COMPOSE_STARTED, with_declared
from runner.formats.cli_lines import EXITED_APP, SIDECAR_UP, STARTED, UP
from runner.transcript.causes import cause
from runner.transcript.apps import AppsWatch
from runner.transcript.explain import explain
from runner.transcript.masks import Redactor
from runner.transcript.matcher import StreamMatcher

COMMAND_TIMEOUT_S = 300.0  # a build or install the reader waits for
UP_WITHIN_S = 60.0  # how long the reader waits for a `dapr run` to come up before typing on
STOP_GRACE_S = 10.0
# What a terminal prints once what it runs is up (or done): the reader types on then.
_UP_MARKS = (UP, SIDECAR_UP, STARTED.split("{")[0], EXITED_APP, COMPOSE_STARTED.split("{")[-1].split("}")[-1])
_NUMBERS = re.compile(r"\d+")


def _shape(line: str) -> str:
    """A line with its numbers blanked: `Order passed: 7` says nothing `Order passed: 6` did not."""
    return _NUMBERS.sub("#", line.strip())


class _TabRun:
    def __init__(self, plan: JobPlan, settings: RunSettings, on_progress: Callable[[Progress], None]):
        self.plan, self.settings, self.on_progress = plan, settings, on_progress
        self.matcher = StreamMatcher(plan.expectation)
        self.changed = threading.Condition()  # guards the matcher and what follows
        self.terminals: dict[str, tuple[ShellCommand, str]] = {}  # name -> (its command, what it runs)
        self.watches: dict[str, AppsWatch] = {}  # name -> the apps its `dapr run` starts
        self.up: set[str] = set()
        self.last_output = time.monotonic()  # when a terminal last said something new
        self.heard: set[tuple[str, str]] = set()  # (terminal, shape) of every line so far
        self.started = time.monotonic()
        self.waited = 0.0  # for build slots: not counted against the tab's time
        self.redact = Redactor(dict(os.environ))
        self.outcome = AppRunOutcome()
        self.shimmed: Shimmed | None = None
        self.env: dict[str, str] = {}

    def progress(self, phase: str) -> None:
        self.on_progress(Progress(self.plan.name, phase, self.matcher.matched, self.matcher.total))

    def _hears(self, terminal: str) -> Callable[[str, str], None]:
        watch = self.watches.get(terminal)

        def heard(stream: str, text: str) -> None:
            if watch is not None:
                watch.feed(text)
            with self.changed:
                line = self.redact(text)
                if any(mark in line for mark in _UP_MARKS):
                    self.up.add(terminal)
                before = self.matcher.matched
                self.matcher.feed(line, "stdout", time.monotonic() - self.started, source=terminal)
                said = (terminal, _shape(line))
                if said not in self.heard or self.matcher.matched != before:
                    self.heard.add(said)
                    self.last_output = time.monotonic()
                self.changed.notify_all()
            if self.matcher.matched != before:
                self.progress("running")
        return heard

    # -- waiting ---------------------------------------------------------------------------
    def _wait(self, done: Callable[[], bool], limit: float) -> str | None:
        """Until `done()`, a fault under the run (its reason), `limit` seconds, or the tab's time is up."""
        deadline, next_check = min(time.monotonic() + limit, self.deadline()), 0.0
        with self.changed:
            while not done() and time.monotonic() < deadline:
                check_interrupted()
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + 0.5
                    if problem := self.shimmed.problem():
                        self.outcome.fault = problem
                        return problem
                self.changed.wait(0.05)
        return None

    def deadline(self) -> float:
        return self.started + self.waited + self.plan.timeout_s

    def _shown_before(self, line: int) -> bool:
        """The page's lines above `line` (of terminals started) are printed, or can no longer come."""
        settle = self.plan.settle_s or 15.0
        if time.monotonic() - self.last_output > settle:
            return True
        waiting = {index for index in self.matcher.unmatched() if self.matcher.expectation.lines[index].source_line < line}
        groups = {(self.matcher.expectation.groups[index] if self.matcher.expectation.groups else "").split(":")[0]
                  for index in waiting}
        running = [name for name, (shell, _) in self.terminals.items() if not shell.ended()]
        # A line still due from a terminal that runs (of any terminal, for `*`) can still come.
        return not any(name in running if name != "*" else running for name in groups)

    # -- commands --------------------------------------------------------------------------
    def run(self, stack: contextlib.ExitStack, workdir: Path) -> str | None:
        """Every command in turn; why the run stopped early (a command failed, a fault), or None."""
        self.shimmed = shimmed_env(workdir, stack, self.env, self.settings.daprd, self.settings.control_plane_binaries,
                                   self.settings.dapr_cli if self.settings.sidecar == "dapr" else None,
                                   self.settings.launcher(self.plan.name), labelled=True)
        self.env = self.shimmed.env
        stack.callback(self._stop_terminals)
        for command in self.plan.script.commands:
            if self.matcher.complete:  # every line the page shows is printed: the reader is done
                break
            if problem := self._wait(lambda: self._shown_before(command.line), self.plan.timeout_s):
                return problem
            if time.monotonic() > self.deadline():
                break  # what the page shows above did not come in time: the output is judged as it is
            if command.text.startswith("export "):
                self.env = with_declared(self.env, dict(word.split("=", 1) for word in shlex.split(command.text)[1:]
                                                        if "=" in word))
            elif command.terminal is not None:
                self._open_terminal(command)
                # The reader types on once the app is up: the CLI said so, and the app listens on its port.
                if problem := self._wait(lambda: (command.terminal in self.up and self.watches[command.terminal].ports_open())
                                         or self.terminals[command.terminal][0].ended(), UP_WITHIN_S):
                    return problem
            elif blocked := self._type(command):
                return blocked
        self.progress("running")
        return self._wait(lambda: (self.matcher.complete and self._apps_shown()) or self._shown_before(10**9),
                          self.plan.timeout_s)

    def _apps_shown(self) -> bool:
        return all(watch.shown() for watch in self.watches.values())

    def apps(self) -> list[AppEvidence]:
        """What the apps showed until the tab was over (its watches closed)."""
        for watch in self.watches.values():
            watch.close()
        return [app for watch in self.watches.values() for app in watch.evidence()]

    def _type(self, command: ScriptCommand) -> str | None:
        """A command run to its end; why it failed, if it did."""
        turn = self.settings.build_turns(self.progress)() if any(is_build(call.words) for call in shell_calls(command.text)) \
            else contextlib.nullcontext()
        shell = ShellCommand(["bash", "-c", command.text], command.folder, self.env)
        asked = time.monotonic()
        with turn:
            self.waited += time.monotonic() - asked
            shell.start()
            problem = self._wait(shell.ended, COMMAND_TIMEOUT_S)
            code = shell.stop(STOP_GRACE_S)
        self.last_output = time.monotonic()  # quiet is counted from here, not from before the command
        if problem:
            return problem
        if code != 0:
            said = cause(shell.output("stdout") + "\n" + shell.output("stderr"))
            lines = [line for line in shell.output("stderr").splitlines() if line.strip()]
            said = said or (lines[-1].strip() if lines else None)
            return f"`{command.text}` (page line {command.line}) exited with {code}" + (f": {said}" if said else "")
        return None

    def _open_terminal(self, command: ScriptCommand) -> None:
        runs = _runs(command.text)
        for name, (shell, what) in list(self.terminals.items()):
            if what == runs and not shell.ended():  # the same app again: the reader stopped the first
                self.watches[name].close()
                shell.stop(STOP_GRACE_S)
        apps = apps_started(command.text, command.folder) or []
        self.watches[command.terminal] = AppsWatch(
            ((app.app_id, app.app_port) for app in apps), f"`{command.text}` at {self.plan.script.page}:{command.line}",
            is_listening)
        shell = ShellCommand(["bash", "-c", command.text], command.folder, self.env, self._hears(command.terminal),
                             merge_stderr=True)
        self.terminals[command.terminal] = (shell, runs)
        self.last_output = time.monotonic()
        shell.start()

    def _stop_terminals(self) -> None:
        for shell, _ in reversed(list(self.terminals.values())):
            shell.stop(STOP_GRACE_S)


def _runs(text: str) -> str:
    """What a `dapr run` runs: its app id, or its run template."""
    try:
        run = parse_dapr_run(text)
    except DaprRunError:
        return text
    if run.app_id:
        return run.app_id
    return f"-f {run.run_file}" if run.run_file else text


def run_script(plan: JobPlan, settings: RunSettings, on_progress: Callable[[Progress], None]) -> JobResult:
    if plan.skip_reason or plan.script is None:
        return skipped(plan)
    tab = _TabRun(plan, settings, on_progress)
    tab.progress("running")
    stopped: str | None = None
    apps: list[AppEvidence] = []
    try:
        with contextlib.ExitStack() as stack:
            workdir = stack.enter_context(tracked_tempdir("qsr-tab-"))
            recipe = RECIPES.get(plan.language)
            tab.env = {**os.environ, **(recipe.steps_env(workdir) if recipe else {})}
            stopped = tab.run(stack, workdir)
            apps = tab.apps()
    finally:
        on_progress(Progress(plan.name, "done", tab.matcher.matched, tab.matcher.total))
    outcome, matcher = tab.outcome, tab.matcher  # judged now: every terminal's output is read to its end
    outcome.duration_s = outcome.phases["run"] = time.monotonic() - tab.started
    if matcher.complete:
        outcome.status = "passed"
    else:
        outcome.misses = explain(matcher) if matcher.total else []
        first = outcome.misses[0].summary() if outcome.misses else "output did not match"
        outcome.reason = f"{stopped}; {first}" if stopped else first
        outcome.blocked = stopped if stopped != outcome.fault else None
    return app_result(plan, outcome, matcher, tab.redact, apps)
