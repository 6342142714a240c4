"""What a README run is made of while it runs: each step's commands, what they printed as it
arrived, and the step's expectations matched incrementally, with mechanical-markdown's rules,
as lines come in."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from runner.formats.steps import Step
from runner.services.idle import IdleWatch
from runner.services.machine import CpuMark
from runner.services.shell import ShellCommand
from runner.transcript.apps import AppsWatch
from runner.transcript.mmcompat import MmMatcher, StepMatch
from runner.page.model import ReaderBlock
from runner.transcript.tolerance import shape

STREAMS = ("stdout", "stderr")
# Met and up is not done: an app may still be sending what its last line announced (a batch's
# inserts, fire and forget). A step is over once its commands were quiet this long, or at the cap.
QUIET_S = 1.0
SETTLE_CAP_S = 3.0
POLL_S = 0.05  # how often a run looks at its commands while it waits


class News:
    """When a page's apps last said something new: a line of a shape (its numbers blanked) their
    terminal had not printed before, or one that met a page line. A batch repeating itself every
    few seconds says nothing new: the apps are quiet."""

    def __init__(self) -> None:
        self.since = time.monotonic()
        self._said: set[tuple[str | None, str]] = set()  # (the app, the shape of its line)

    def heard(self, printer: str | None, line: str, met: bool) -> None:
        said = (printer, shape(line))
        if met or said not in self._said:
            self._said.add(said)
            self.since = time.monotonic()


@dataclass
class CommandRun:
    text: str
    line: int = 0  # the README line of its code block
    shell: ShellCommand | None = None  # None: it could not be started (why is in `stderr`)
    return_code: int | None = None
    started: float = 0.0
    duration_s: float = 0.0
    timed_out: bool = False
    stopped_early: bool = False
    stopped_at_end: bool = False  # still running when the run ended (a later step failed): the stop's exit code
    cpu: CpuMark | None = None  # the machine's CPU counters when it started
    load: str = ""  # how loaded the machine was, when it timed out on a saturated machine
    apps: AppsWatch | None = None  # the apps its `dapr run`s start, watched through its output
    idle: IdleWatch | None = None  # whether what it started is at work, once asked
    not_started: list[str] = field(default_factory=list)  # why it could not start

    @property
    def running(self) -> bool:
        return self.shell is not None and self.shell.running()

    @property
    def ended_by_us(self) -> bool:
        """Its exit code is our stop's, not its own: expectations met, or the run was over."""
        return self.stopped_early or self.stopped_at_end

    @property
    def stdout(self) -> list[str]:  # as read: each a line with its "\n", the last maybe not
        return self.shell.stdout if self.shell is not None else []

    @property
    def stderr(self) -> list[str]:
        return self.shell.stderr if self.shell is not None else self.not_started

    @property
    def ran(self) -> bool:
        return self.shell is not None

    def output(self, stream: str) -> str:
        return "".join(self.stdout if stream == "stdout" else self.stderr)

    def ended(self) -> bool:
        """Exited, and all it printed read."""
        return self.shell is None or self.shell.ended()


class _Feed:
    """One stream of a step: its commands' output fed, in command order, to mm's matcher. A
    command's lines are fed as they arrive once every command before it has ended, so the
    matcher sees the very sequence mm reads: the outputs one after another, each split on
    newline (its last, unterminated piece included)."""

    def __init__(self, expected: list[str], mode: str, order: str, frame: Callable[[str], str]):
        self.frame = frame
        self.matcher = MmMatcher([frame(line) for line in expected], mode, order, written=expected)
        self.command = 0  # the command being fed
        self.taken = 0  # how many of its read pieces were fed

    def advance(self, commands: list[CommandRun], stream: str, final: bool) -> None:
        while self.command < len(commands):
            command = commands[self.command]
            if not command.ran:
                self.command += 1
                continue
            pieces = command.stdout if stream == "stdout" else command.stderr
            done = final or command.ended()
            read = len(pieces)
            for piece in pieces[self.taken:read]:
                if piece.endswith("\n"):
                    self.matcher.feed(self.frame(piece[:-1]))
                elif done:
                    self.matcher.feed(self.frame(piece))
            self.taken = read
            if not done:
                return
            if not pieces or pieces[-1].endswith("\n"):
                self.matcher.feed("")  # what follows the last newline
            self.command, self.taken = self.command + 1, 0

    def matched(self, commands: list[CommandRun], stream: str, promised: list[str]) -> bool:
        """Met by the output so far, with `promised` lines to come."""
        self.advance(commands, stream, final=False)
        return self.matcher.ok_with(promised) if promised else self.matcher.ok


@dataclass
class StepRun:
    step: Step
    commands: list[CommandRun] = field(default_factory=list)
    met_at: float | None = None  # when its expectations were first seen met (early stop watches)
    reader_block: ReaderBlock | None = None  # set when the step is a block its reader runs, not a STEP
    # What a line is compared as: as printed (mm.py's way), or without the CLI's framing of a
    # one-app run (validate's: a page written for either CLI is judged on what the app printed).
    frame: Callable[[str], str] = field(default=lambda line: line, repr=False)
    _feeds: dict[str, _Feed] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        step = self.step
        for stream in STREAMS:
            expected = step.expected_stdout_lines if stream == "stdout" else step.expected_stderr_lines
            self._feeds[stream] = _Feed(expected, step.output_match_mode, step.match_order, self.frame)

    def output_lines(self, stream: str) -> list[str]:
        lines: list[str] = []
        for command in self.commands:
            if command.ran:
                lines += command.output(stream).split("\n")
        return lines

    def match(self, stream: str, final: bool = True) -> StepMatch:
        """The step's expectations on `stream` against its output so far (`final`: all of it,
        whether or not its commands have ended)."""
        feed = self._feeds[stream]
        feed.advance(self.commands, stream, final)
        return feed.matcher.result()

    def output_ok(self, final: bool = True) -> bool:
        return all(self.match(stream, final).ok for stream in STREAMS)

    def all_ended(self) -> bool:
        return all(command.ended() for command in self.commands)

    def settled(self, met_since: float) -> bool:
        """Its commands said nothing for QUIET_S, or SETTLE_CAP_S passed since it was met."""
        now = time.monotonic()
        last = max((command.shell.last_output for command in self.commands if command.shell is not None), default=0.0)
        return now - last >= QUIET_S or now - met_since >= SETTLE_CAP_S

    def apps_shown(self) -> bool:
        """Every app its commands started has shown it came up, or has ended."""
        return all(command.apps.shown() for command in self.commands if command.apps is not None)

    def expects_output(self) -> bool:
        return bool(self.step.expected_stdout_lines or self.step.expected_stderr_lines)

    def expectations_met(self, now: float, at_stop: str = "") -> bool:
        """Whether its expectations are met by what it printed so far and `at_stop`, what its
        commands will print when stopped (a `dapr run`'s closing lines)."""
        if not self.expects_output():
            return False
        promised = at_stop.split("\n") if at_stop else []
        met = all(self._feeds[stream].matched(self.commands, stream, promised if stream == "stdout" else [])
                  for stream in STREAMS)
        if met and self.met_at is None:
            self.met_at = now
        return met

    def ok(self) -> bool:
        return self.output_ok() and all(self.command_ok(command) for command in self.commands)

    def command_ok(self, command: CommandRun) -> bool:
        """Its return code is the expected one (a command we stopped, expectations met or the run over, is fine)."""
        expected = self.step.expected_return_code
        return command.ended_by_us or expected is None or command.return_code == expected
