"""Run an annotated README the way mechanical-markdown's mm.py does, with the runner's sidecar.

Same step semantics: steps in order (filtered by tags), each command block through the
shell in its working_dir with its env, background steps left running and waited for at
the end, `sleep` after each command, a non-background command's return code checked at
once (a mismatch stops the run), then every step's stdout/stderr checked with mm's own
matching rules. Differences, on purpose: `dapr ...` inside a step runs our shim (a real
daprd and Redis the runner owns), every command is its own process group and is gone at
the end whatever happens, a timed-out command is stopped in seconds (mm sleeps 10 s), a
malformed README is one `FILE:LINE` line with exit 2, and with `early_stop` (validate) a
command whose step expectations are all met is stopped instead of waited for.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from runner.formats.steps import Annotated, Step
from runner.mm.shimmed import shimmed_env
from runner.services.containers import Launcher, local
from runner.services import started
from runner.services.groups import check_interrupted, stop_group, track, track_dir, untrack, untrack_dir
from runner.shim.install import ENV_RUN_DIR, SHIMS
from runner.transcript.mmcompat import StepMatch, mm_match, split_output


@dataclass
class CommandRun:
    text: str
    process: subprocess.Popen | None = None
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    return_code: int | None = None
    started: float = 0.0
    duration_s: float = 0.0
    timed_out: bool = False
    stopped_early: bool = False

    def output(self, stream: str) -> str:
        return "".join(self.stdout if stream == "stdout" else self.stderr)

    def ended(self) -> bool:
        """Exited, and all it printed read."""
        return (self.process is None or self.process.poll() is not None) and not any(t.is_alive() for t in self.threads)


@dataclass
class StepRun:
    step: Step
    commands: list[CommandRun] = field(default_factory=list)
    met_at: float | None = None  # when its expectations were first seen met (early stop watches)

    def output_lines(self, stream: str) -> list[str]:
        lines: list[str] = []
        for command in self.commands:
            if command.process is not None:
                lines += split_output(command.output(stream))
        return lines

    def match(self, stream: str) -> StepMatch:
        step = self.step
        expected = step.expected_stdout_lines if stream == "stdout" else step.expected_stderr_lines
        return mm_match(expected, self.output_lines(stream), step.output_match_mode, step.match_order)

    def output_ok(self) -> bool:
        return self.match("stdout").ok and self.match("stderr").ok

    def all_ended(self) -> bool:
        return all(command.ended() for command in self.commands)

    def expectations_met(self) -> bool:
        step = self.step
        met = bool(step.expected_stdout_lines or step.expected_stderr_lines) and self.output_ok()
        if met and self.met_at is None:
            self.met_at = time.monotonic()
        return met

    def ok(self) -> bool:
        return self.output_ok() and all(self.command_ok(command) for command in self.commands)

    def command_ok(self, command: CommandRun) -> bool:
        """Its return code is the expected one (a command we stopped early, expectations met, is fine)."""
        expected = self.step.expected_return_code
        return command.stopped_early or expected is None or command.return_code == expected


def step_selected(step: Step, tags: list[str]) -> bool:
    return not tags or not step.tags or any(tag in step.tags for tag in tags)


def dry_run(annotated: Annotated, shell: str) -> str:
    text = "Would run the following validation steps:\n"
    for step in annotated.steps:
        text += f"Step: {step.name}\n\tcommands to run with '{shell}':\n"
        text += "".join(f"\t\t`{command.text}`\n" for command in step.commands)
        for stream in ("stdout", "stderr"):
            text += f"\tExpected {stream}:\n"
            text += "".join(f"\t\t{line}\n" for line in getattr(step, f"expected_{stream}_lines"))
        text += f"\tExpected return code: {step.expected_return_code}\n\n"
    return text


class ReadmeRun:
    def __init__(self, annotated: Annotated, shell: str = "bash -c", tags: list[str] | None = None,
                 cwd: Path | None = None, daprd: Path | None = None, control_plane=None, early_stop: bool = False,
                 manual: bool = False, say: Callable[[str], None] = print,
                 steps_env: Callable[[Path], dict[str, str]] | None = None, real_cli=None, launch: Launcher = local):
        self.annotated = annotated
        self.shell = shlex.split(shell)
        self.shell_text = shell
        self.tags = tags or []
        self.cwd = cwd or Path.cwd()
        self.daprd = daprd
        self.control_plane = control_plane  # placement and scheduler binaries, started once for the README
        self.early_stop = early_stop
        self.manual = manual
        self.say = say
        self.steps_env = steps_env  # the language's environment for the steps, made in the run's dir
        self.real_cli = real_cli  # --sidecar dapr: the `dapr` shim hands every call to this CLI
        self.launch = launch  # its Redis and control plane as processes, or in containers
        self.steps: list[StepRun] = []
        self.env: dict[str, str] = {}

    # -- running -------------------------------------------------------------------------
    def _start(self, step: Step, text: str) -> CommandRun:
        command = CommandRun(text)
        cwd = self.cwd / step.working_dir if step.working_dir else self.cwd
        self.say(f"Running shell '{self.shell_text}' with command: `{text}`")
        command.started = time.monotonic()
        try:
            command.process = subprocess.Popen(
                [*self.shell, text], cwd=cwd, env={**self.env, **step.env}, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                text=True, encoding="utf-8", errors="replace",
            )
        except OSError as exc:
            command.stderr.append(f"{exc}\n")
            command.return_code = 127
            return command
        track(command.process.pid)
        for stream, sink in ((command.process.stdout, command.stdout), (command.process.stderr, command.stderr)):
            thread = threading.Thread(target=lambda s=stream, k=sink: k.extend(iter(s.readline, "")), daemon=True)
            thread.start()
            command.threads.append(thread)
        return command

    def _finish(self, command: CommandRun, step_run: StepRun, deadline: float) -> None:
        """Wait for the command: until it exits, times out, or (early stop) its step is satisfied."""
        process = command.process
        if process is None:
            return
        while process.poll() is None:
            if time.monotonic() > deadline:
                command.timed_out = True
                break
            check_interrupted()
            if self.early_stop and step_run.expectations_met():
                command.stopped_early = True
                break
            time.sleep(0.05)
        if process.poll() is None:
            stop_group(process.pid, process, grace=2.0)
        else:
            stop_group(process.pid, None, grace=0.5)  # children it left behind
        untrack(process.pid)
        for thread in command.threads:
            thread.join(timeout=5)
        command.return_code = process.returncode
        command.duration_s = time.monotonic() - command.started

    def _services(self) -> int:
        return len(started.recorded(Path(self.env[ENV_RUN_DIR]))) if ENV_RUN_DIR in self.env else 0

    def _sleep(self, step_run: StepRun, services_before: int) -> None:
        if not step_run.step.sleep:
            return
        if not self.early_stop:
            time.sleep(step_run.step.sleep)
            return
        # Early stop: a sleep after a command that returned having started services (`docker
        # compose up -d`) waits for them to come up; the shims return once they are ready.
        step, last = step_run.step, step_run.commands[-1]
        expects = bool(step.expected_stdout_lines or step.expected_stderr_lines)
        if not step.background and not expects and last.return_code == 0 and self._services() > services_before:
            return
        # The sleep is there to let the step's expected output arrive; stop waiting once it has,
        # or once nothing of the step runs any more to print it (an app that exited at once).
        # A step expecting nothing keeps its sleep: it may pace what later steps start.
        until = time.monotonic() + step_run.step.sleep
        while time.monotonic() < until and not step_run.expectations_met() and not (expects and step_run.all_ended()):
            check_interrupted()
            time.sleep(0.05)

    def execute(self) -> bool:
        success = True
        for step in (s for s in self.annotated.steps if step_selected(s, self.tags)):
            step_run = StepRun(step)
            self.steps.append(step_run)
            if self.manual and step.manual_pause_message:
                with contextlib.suppress(KeyboardInterrupt, EOFError):
                    while input(step.manual_pause_message + "\nType 'x' to exit\n") != "x":
                        pass
            for block in step.commands:
                services_before = self._services()
                command = self._start(step, block.text)
                step_run.commands.append(command)
                if not step.background:
                    self._finish(command, step_run, command.started + step.timeout_seconds + step.sleep)
                    if not step_run.command_ok(command):
                        return False
                self._sleep(step_run, services_before)
        for step_run in self.steps:
            for command in step_run.commands:
                if step_run.step.background:
                    self._finish(command, step_run, command.started + step_run.step.timeout_seconds + step_run.step.sleep)
                    if not step_run.command_ok(command):
                        success = False
        return success and all(s.output_ok() for s in self.steps)

    def run(self) -> tuple[bool, str]:
        with contextlib.ExitStack() as stack:
            workdir = Path(tempfile.mkdtemp(prefix="qsr-readme-"))
            track_dir(workdir)
            stack.callback(untrack_dir, workdir)
            stack.callback(shutil.rmtree, workdir, True)
            self.env = dict(os.environ)
            if self.steps_env is not None:
                self.env.update(self.steps_env(workdir))
            if self.uses_shims():
                self.env = shimmed_env(workdir, stack, self.env, self.daprd, self.control_plane, self.real_cli,
                                       self.launch)
            stack.callback(self._stop_all)
            success = self.execute()
            self._stop_all()
            return success, self.report()

    def uses_shims(self) -> bool:
        """Whether a command calls `dapr` or `docker` (or another shim)."""
        pattern = re.compile(rf"\b({'|'.join(map(re.escape, SHIMS))})\s")
        return any(pattern.search(command.text + " ") for step in self.annotated.steps for command in step.commands)

    def _stop_all(self) -> None:
        for step_run in self.steps:
            for command in step_run.commands:
                if command.process is not None and command.return_code is None:
                    self._finish(command, step_run, 0)

    # -- reporting -----------------------------------------------------------------------
    def report(self) -> str:
        out = []
        for step_run in self.steps:
            step = step_run.step
            if step.name:
                out.append(f"Step: {step.name}")
            for command in step_run.commands:
                if command.process is None and command.return_code is None:
                    continue
                note = " (stopped: expectations met)" if command.stopped_early else \
                    " (timed out)" if command.timed_out else ""
                out += [f"\tcommand: `{command.text}`", f"\treturn_code: {command.return_code}{note}",
                        f"\tduration_seconds: {command.duration_s:.3f}"]
            for stream in ("stdout", "stderr"):
                expected = getattr(step, f"expected_{stream}_lines")
                out.append(f"\tExpected {stream} (output_match_mode: {step.output_match_mode}, match_order: {step.match_order}):")
                out += [f"\t\t{line}" for line in expected]
                out.append(f"\tActual {stream}:")
                out += [f"\t\t{line}" for line in step_run.output_lines(stream)]
                result = step_run.match(stream)
                if result.order_broken:
                    out.append("\tERROR expected lines were not found in the correct order")
                if result.not_found:
                    out.append("\tERROR expected lines not found:")
                    out += [f"\t\t{line}" for line in result.not_found]
        return "\n".join(out) + "\n"
