"""What a README run does as its reader reads the page (validate's and docs check's way; the
drop-in never does): the blocks no STEP annotates run at their place in the page (installs and
builds to their end, starts left running until the reader stops them or starts the same app
again, clients with their placeholders filled from earlier answers, `export`s kept for what
follows), the output blocks the page shows above a command awaited before it is typed, and a
start waited for until its apps came up. A mixin of `ReadmeRun` (mm/runner.py), whose steps,
shell commands, page match and services it uses."""

from __future__ import annotations

import contextlib
import time

from runner.formats.daprrun import what_runs
from runner.formats.readmepage import command_lines, filled, is_query, placeholders
from runner.formats.shellwords import exported, shell_calls
from runner.formats.steps import Command, Step
from runner.mm.model import POLL_S, CommandRun
from runner.page.model import ReaderBlock
from runner.services.idle import IdleWatch
from runner.services.machine import hold_turn
from runner.services.shimenv import with_declared
from runner.services.zipkin import SPAN_EXPORT_S, reads_zipkin

READER_COMMAND_S = {"build": 300.0, "client": 60.0, "stop": 60.0, "start": 300.0}  # how long a reader's own command may take
UP_WITHIN_S = 120.0  # how long a reader waits for what they started to come up before typing on
QUIET_UP_S = 2.0  # a start is up once its apps came up and its terminal then said nothing this long
# A page block is awaited until printed, or until the apps said nothing new this long (quickstart apps
# wait up to 20 s before a line: a job due in 20 s), or this long in all (apps that keep saying new
# things, never the line: the lines a STEP expects are awaited by the STEP itself, as mm.py awaits them).
PAGE_SETTLE_S = 30.0
PAGE_WAIT_S = 120.0
ASK_AGAIN_S, ASK_AGAIN_EVERY_S = 20.0, 2.0  # a query whose answer is not yet what the page shows is asked again


def _idle(command: CommandRun) -> bool:
    """Whether the processes `command` started used next to no CPU for a moment (waiting, not
    building or loading)."""
    if command.idle is None:
        command.idle = IdleWatch(command.shell.pid, QUIET_UP_S)
    return command.idle.idle()


def _named(placeholders: list[str]) -> str:
    return ", ".join(f"<{name}>" for name in placeholders)


class PageReader:
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
        """Whether what a command started came up: the apps it names showed it (or, with no app port,
        printed nothing while what it started went idle: one that prints only when a call fails),
        and their sidecars are ready (else, a start the CLI does not run or one whose apps cannot be
        told beforehand, a run template that does not parse, it printed, then said nothing for a moment)."""
        if command.shell is None:
            return False
        if command.apps is not None and command.apps.apps:
            return command.apps.ready(idle=lambda: _idle(command))
        printed = bool(command.shell.stdout or command.shell.stderr)  # not only started: its start time counts as output
        return printed and time.monotonic() - command.shell.last_output > QUIET_UP_S

    def _page_shown(self, line: int, waiting_since: float | None) -> bool:
        """Whether what the page shows above README line `line` is printed; else, once the apps went
        quiet or a while passed since the reader began waiting for it, given up (stays missing)."""
        if self.page_match.shown_above(line):
            return True
        now = time.monotonic()
        if waiting_since is not None and (now - self._news.since > PAGE_SETTLE_S or now - waiting_since > PAGE_WAIT_S):
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

    def _run_block(self, block: ReaderBlock) -> bool:
        """A reader's unannotated block as a step of its own, in its folder, 0 expected: run to its
        end, or (a start) left running once its apps came up. A client's placeholders are filled
        from earlier answers first; one nothing fills leaves it (and what the page shows of it)
        unchecked, said so."""
        self._await_started()
        text = block.text
        if (declared := exported(text)) is not None:  # the reader's shell keeps it for what they type next
            if own := placeholders(text):  # `export OPENAI_API_KEY=<your key>`: the reader's own value, not this
                self.page_notes.append(f"{self.annotated.path}:{block.line}: not run: the reader fills in {_named(own)}")
            else:
                self.env = with_declared(self.env, declared)
            return True
        if block.kind == "start":
            self._stop_earlier_run_of(text)
        if block.fills:
            text, unfilled = filled(block.text, block.fills, list(self.page_match.answers.values()))
            if unfilled:
                why = (f"{self.annotated.path}:{block.line}: not run: nothing printed before it fills "
                       f"{_named(unfilled)}")
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

    def _stop_earlier_run_of(self, text: str) -> None:
        """A start of what a reader's earlier start still runs (the same app id, or run template):
        the reader pressed Ctrl-C in that terminal first."""
        runs = what_runs(text)
        if runs == text:  # not a `dapr run` of an app id or a template: nothing to tell it by
            return
        for step_run in self.steps:
            if step_run.reader_block is None or step_run.reader_block.kind != "start":
                continue
            for command in step_run.commands:
                if command.running and what_runs(command.text) == runs:
                    self._stop(command)
                    command.stopped_early = True

    def _await_spans(self, text: str) -> None:
        """A command that reads the run's Zipkin waits until what the commands before it traced was
        sent there: a reader looks seconds after the call, validate at once."""
        if not self.early_stop or not reads_zipkin(text):
            return
        while time.monotonic() < self._last_returned + SPAN_EXPORT_S:
            self._watch()
            time.sleep(POLL_S)

    def _await_started(self) -> None:
        """Before a reader's own block (and, in validate, a STEP): the apps earlier steps started in
        the background came up (a STEP's `sleep` is mm.py's guess at the time a start takes; a
        reader waits for it, however busy the machine is)."""
        for step_run in self.steps:
            for command in step_run.commands if step_run.step.background else ():
                while command.apps is not None and not command.ended() and not self._came_up(command) \
                        and time.monotonic() < command.started + UP_WITHIN_S:
                    self._watch()
                    time.sleep(POLL_S)

    def _await_up(self, command: CommandRun) -> None:
        """Until the apps a reader's start started came up (or it ended), and its terminal then went
        quiet a moment: the reader reads what it printed, then types on. A start the CLI does not run
        (`mvn spring-boot:run`) counts as up once it printed."""
        deadline = command.started + UP_WITHIN_S
        while time.monotonic() < deadline and not command.ended():
            if self._came_up(command) and time.monotonic() - command.shell.last_output > QUIET_UP_S:
                return
            self._watch()
            time.sleep(POLL_S)

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
            time.sleep(POLL_S)

    def _apps_running(self) -> bool:
        return any(command.running for step_run in self.steps
                   for command in step_run.commands if step_run.step.background or command.apps is not None)
