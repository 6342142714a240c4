"""How a README run runs a step, with mechanical-markdown's semantics: its commands in turn through
the shell, a background one left running, a foreground one waited for to its end (or, with the
early stop, stopped once its step's expectations are met, its apps came up and its output went
quiet), `sleep` after each command (cut short once what the step expects came), its return code
checked at once. A build step holds a turn for the cores when it compiles. A mixin of `ReadmeRun`
(mm/runner.py), whose commands, services and page reading it uses."""

from __future__ import annotations

import contextlib
import time
from typing import Iterator

from runner.formats.cli_lines import runs_template, stop_output, stop_targets, without_label
from runner.formats.shellwords import last_command, shell_calls
from runner.formats.steps import Step
from runner.mm.model import POLL_S, CommandRun, StepRun
from runner.page.model import ReaderBlock
from runner.services import machine
from runner.services.timeline import BUILD, phase



class StepRunner:
    def _watched_running(self) -> Iterator[CommandRun]:
        """The commands still running whose apps are watched (their `dapr run`s)."""
        return (command for step_run in self.steps for command in step_run.commands
                if command.apps is not None and command.running)

    def _close_stopped(self, text: str) -> None:
        """A `dapr stop` of apps an earlier command started: what their watches see from now on is
        the stop's doing (the CLI says `Exited App successfully` of a server it stopped, one that
        never listened too, which would count as having come up)."""
        for words in (call.words for call in shell_calls(text) if call.words[:2] == ("dapr", "stop")):
            named, template = stop_targets(words)
            for command in self._watched_running():
                runs_a_template = any(runs_template(call.words) for call in shell_calls(command.text))
                if set(named) & set(command.apps.apps) or (template and runs_a_template):
                    command.apps.close()

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
                time.sleep(POLL_S)
        finally:
            self._stop(command)
            if command.shell is not None and self.page is not None:
                self.page_match.answered(self._lines_of(command.line), command.output("stdout") + command.output("stderr"))

    def _sleep(self, step_run: StepRun, services_before: int) -> None:
        if not step_run.step.sleep:
            return
        until = time.monotonic() + step_run.step.sleep
        if not self.early_stop:
            while time.monotonic() < until:
                self._watch()
                time.sleep(POLL_S)
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
            time.sleep(POLL_S)

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
