"""A job that runs its apps beside sidecars: prepare, its services, sidecar(s) and app(s), match as
output streams, tear down. Everything started here is stopped here (an ExitStack unwinds it in
reverse), on pass, failure, timeout or an exception such as KeyboardInterrupt.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from runner.formats.expected import Expectation
from runner.job.env import app_env
from runner.job.plan import JobPlan
from runner.job.settings import RunSettings
from runner.job.verdict import AppRunOutcome, app_result, skipped
from runner.recipes import RECIPES, heavy_start
from runner.errors import JobError
from runner.recipes.base import Prepared, run_logged
from runner.results import JobResult, OnProgress, Progress
from runner.services import machine
from runner.services.groups import check_interrupted, tracked_tempdir
from runner.services.machine import CpuMark, hold_turn
from runner.services.timeline import RUN, SERVICES, STOP, current, phase
from runner.services.controlplane import ControlPlaneAddresses
from runner.services.jobservices import JobServices, ServiceWants
from runner.services.ports import is_listening
from runner.services.resources import Endpoints, isolated_resources
from runner.services.started import postgres_endpoint
from runner.sidecar.base import AppLaunch, Event, Line, Sidecars
from runner.sidecar.dapr_cli import DaprCliSidecars
from runner.sidecar.daprd import DaprdSidecars
from runner.sidecar.daprdinputs import daprd_for
from runner.transcript.explain import explain
from runner.transcript.masks import Redactor
from runner.transcript.apps import AppsWatch
from runner.transcript.matcher import StreamMatcher


class _LiveJob:
    """The state of one job while it runs. Output is taken the moment a reader thread reads it
    (`receive`, the sidecars' sink): echoed, fed to the matcher, and never left in a queue that
    an interrupt could drop."""

    def __init__(self, plan: JobPlan, settings: RunSettings, on_progress: OnProgress):
        self.plan = plan
        self.settings = settings
        self.on_progress = on_progress
        # No expectation: the job runs until its apps exit, and passes when they exit with 0.
        self.matcher = StreamMatcher(plan.expectation or Expectation(lines=()))
        self.changed = threading.Condition()  # guards what follows; notified on every event
        self.sidecars: Sidecars | None = None
        self.outcome = AppRunOutcome()
        self.exit_codes: dict[str, int | None] = {}
        self.last_app_output: float | None = None  # when an app last printed (monotonic)
        self.cpu: CpuMark | None = None  # the machine's CPU counters when the apps started
        self.redact = Redactor(dict(os.environ), settings.declared_env)
        self.apps = AppsWatch(((app.app_id, app.app_port) for app in plan.apps if app.command),
                              listening=is_listening, started_by=_started_by(plan))

    def progress(self, phase: str) -> None:
        self.on_progress(Progress(self.plan.name, phase, self.matcher.matched, self.matcher.total))

    @property
    def app_started(self) -> float | None:
        return self.sidecars.apps_started if self.sidecars is not None else None

    def since_app_start(self) -> float:
        return time.monotonic() - self.app_started if self.app_started else 0.0

    def receive(self, event: Event) -> None:
        with self.changed:
            if isinstance(event, Line):
                self._emit(event)
            else:
                self.exit_codes[event.app_id] = event.code
            self.changed.notify_all()

    def _emit(self, line: Line) -> None:
        text = self.redact(line.text)
        if line.from_app:
            self.last_app_output = time.monotonic()
        if line.from_app and self.outcome.first_output_s is None and self.app_started is not None:
            self.outcome.first_output_s = self.since_app_start()
        if self.settings.echo is not None:
            self.settings.echo(text, line.stream)
        self.apps.feed(text)
        before = self.matcher.matched
        self.matcher.feed(text, line.stream, self.since_app_start())
        if self.matcher.matched != before:
            self.progress("running")


def run_apps(plan: JobPlan, settings: RunSettings, on_progress: OnProgress) -> JobResult:
    if plan.skip_reason:
        return skipped(plan)
    started = time.monotonic()
    run = _LiveJob(plan, settings, on_progress)
    ending: Ending | None = None
    stopping = None
    try:
        with contextlib.ExitStack() as stack:
            workdir = stack.enter_context(tracked_tempdir("qsr-" + re.sub(r"[^\w.]+", "-", plan.name) + "-"))
            ending = _execute(run, stack, workdir)
            stopping = time.monotonic()  # the stack unwinds what the job started: apps, sidecars, services
    finally:
        if stopping is not None and (timeline := current()) is not None:
            timeline.add(STOP, stopping, time.monotonic())
        on_progress(Progress(plan.name, "done", run.matcher.matched, run.matcher.total))
    # Judged only now: every process is stopped and its output read to the end, so a line
    # printed just before the run ended counts.
    with run.changed:
        if ending is not None:
            run.outcome.status, run.outcome.reason = _verdict(run, ending)
    run.outcome.duration_s = time.monotonic() - started
    return app_result(plan, run.outcome, run.matcher, run.redact, run.apps.evidence())


def _started_by(plan: JobPlan) -> str:
    """How its apps are started, as a person finds it: the run template, or the one app's command."""
    if len(plan.apps) == 1 and plan.apps[0].command:
        return f"`{' '.join(plan.apps[0].command)}`"
    return f"{plan.folder / 'dapr.yaml'}" if plan.folder else ""


def _prepare(run: _LiveJob, workdir: Path) -> list[Prepared]:
    plan, outcome = run.plan, run.outcome
    slot = run.settings.build_turns(run.progress)
    recipe = RECIPES.get(plan.language)
    if plan.toolchain is not None and recipe is not None:
        prepared = [recipe.prepare(app.app_dir, list(app.command), plan.toolchain, slot) for app in plan.apps]
        outcome.prepare_reused = all(p.reused for p in prepared)
        outcome.notes += [note for ready in prepared for note in ready.notes]
    else:
        prepared = [Prepared(command=list(app.command)) for app in plan.apps]
    for folder, command in plan.setup_commands:  # in the environment of the app they prepare
        env = next((ready.env for app, ready in zip(plan.apps, prepared) if folder in (app.app_dir, *app.app_dir.parents)),
                   prepared[0].env if prepared else {})
        with slot():
            run_logged(["bash", "-c", command], folder, workdir / "setup.log", env)
    return prepared


def _nothing_to_build(plan: JobPlan) -> bool:
    recipe = RECIPES.get(plan.language)
    if plan.setup_commands:
        return False
    return plan.toolchain is None or recipe is None or all(recipe.is_prepared(app.app_dir, plan.toolchain)
                                                             for app in plan.apps)


def _sidecars(run: _LiveJob, addresses: ControlPlaneAddresses | None, daprd: Path | None) -> Sidecars:
    settings, shown = run.settings, run.plan.app_ids_shown
    if settings.sidecar == "dapr":
        return DaprCliSidecars(run.receive, shown, addresses, settings.dapr_cli)
    return DaprdSidecars(run.receive, shown, addresses, daprd, settings.run_dir, settings.log_level,
                         stderr_apart=settings.app_stderr_apart)


def _execute(run: _LiveJob, stack: contextlib.ExitStack, workdir: Path) -> Ending | None:
    """Start the job and watch it; how it ended, or None when it could not start (the reason
    is in the outcome)."""
    plan, settings, outcome = run.plan, run.settings, run.outcome
    try:
        run.progress("preparing")
        services = JobServices(workdir, settings.launcher(plan.name))
        stack.callback(services.stop)
        wants = ServiceWants(plan.redis or settings.redis, settings.control_plane_binaries, settings.control_plane_addresses,
                             plan.services, redis_port=plan.redis_port)
        if _nothing_to_build(plan):  # the services come up while the apps are prepared
            services.begin(wants)
            prepared = _prepare(run, workdir)
        else:  # not beside a build: they would idle on its cores meanwhile
            prepared = _prepare(run, workdir)
            services.begin(wants)
        run.progress("sidecar")
        daprd = daprd_for(settings.daprd, list(plan.resources), settings.build_turns(run.progress),
                          lambda said: run.progress("building daprd")) if settings.sidecar == "daprd" else None
        with phase(SERVICES, "Redis, placement, scheduler"):
            started = services.ready()
        endpoints = Endpoints(started.redis, started.postgres or postgres_endpoint(settings.run_dir))
        resources = [isolated_resources(path, workdir / f"resources-{i}", endpoints)
                     for i, path in enumerate(plan.resources)]
        launches = [AppLaunch(app, tuple(app.command if plan.as_written else ready.command),
                              app_env(ready.env, app.env, settings.pass_env | settings.declared_env))
                    for app, ready in zip(plan.apps, prepared)]
        sidecars = run.sidecars = _sidecars(run, started.control_plane_addresses, daprd)
        if any(heavy_start(launch.argv) for launch in launches):  # a JVM's start: on cores of its own, as a reader's
            ended = threading.Event()
            stack.callback(ended.set)
            hold_turn(settings.build_turns(run.progress)(), lambda: ended.is_set() or run.apps.shown())
        run.cpu = machine.mark()
        with phase(SERVICES, "sidecars"):
            processes = sidecars.start(launches, resources, workdir, stack)
        run.progress("running")
        with phase(RUN):
            ending = _watch(run, sidecars, services, processes)
        if ending.kind == "exited":
            sidecars.apps_done()  # outside the lock: what it prints comes back through the sink
        sidecars.stop_now()
        return ending
    except JobError as exc:
        outcome.reason = exc.reason
    except OSError as exc:  # e.g. the cache or temp dir cannot be written
        outcome.reason = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
    return None


@dataclass(frozen=True)
class Ending:
    """Why a job's watch ended: its expectations were met, its apps exited, something it needs
    died (`problem`), its output settled, or time ran out."""

    kind: str  # matched | exited | problem | settled | timeout
    problem: str = ""


def _watch(run: _LiveJob, sidecars: Sidecars, services: JobServices, processes: int) -> Ending:
    """Until every expectation is met and every app has shown it came up, every app has exited,
    time is up, or a sidecar or a service of the job died. What the apps print after that is the
    stop's doing, not theirs."""
    try:
        return _wait(run, sidecars, services, processes)
    finally:
        run.apps.close()


def _wait(run: _LiveJob, sidecars: Sidecars, services: JobServices, processes: int) -> Ending:
    deadline = run.app_started + run.plan.timeout_s
    next_check = 0.0
    with run.changed:
        while True:
            check_interrupted()
            if run.matcher.total and run.matcher.complete and run.apps.shown():
                return Ending("matched")
            exited = processes > 0 and len(run.exit_codes) == processes  # a sidecar alone runs until stopped
            if exited or time.monotonic() >= next_check:  # a container's state is an API call: not every 50 ms
                next_check = time.monotonic() + 0.5
                # An app that exits because what it needs died: the death is the cause.
                problem = services.problem() or sidecars.problem()
                if problem:
                    return Ending("problem", problem)
            if exited:
                break
            if _settled(run):
                return Ending("settled")
            if time.monotonic() > deadline:
                return Ending("timeout")
            run.changed.wait(timeout=0.05)
    return Ending("exited")


def _verdict(run: _LiveJob, ending: Ending) -> tuple[str, str]:
    """The verdict on everything the run printed (status, reason); why the output did not
    match is worked out here, once (`outcome.misses`)."""
    matcher = run.matcher
    if matcher.total and matcher.complete:
        return "passed", ""
    if ending.kind == "exited" and not matcher.total and all(code == 0 for code in run.exit_codes.values()):
        return "passed", ""  # without expectations, the apps' exit codes decide
    misses = run.outcome.misses = explain(matcher) if matcher.total else []
    first = misses[0].summary() if misses else "output did not match"
    if ending.kind == "exited":
        codes = ", ".join(str(code) for code in run.exit_codes.values() if code != 0)
        if not matcher.total:
            return "failed", f"app exited with code {codes}"
        if codes:
            return "failed", f"app exited with code {codes} before the output matched; {first}; last app output: {_tail(run)}"
        return "failed", first
    if ending.kind == "problem":
        run.outcome.fault = ending.problem
        return "failed", ending.problem
    if ending.kind == "settled":
        return "failed", (f"an app exited and no app printed anything for {run.plan.settle_s:.0f}s since, with "
                          f"{matcher.matched} of {matcher.total} expected lines matched; {first}")
    load = machine.load_note(run.cpu) if run.cpu else ""
    return "failed", (f"timed out after {run.plan.timeout_s:.0f}s with {matcher.matched} of {matcher.total} expected "
                      f"lines matched; last app output: {_tail(run, any_line=True)}" + (f"; {load}" if load else ""))


def _tail(run: _LiveJob, any_line: bool = False) -> list[str]:
    """The apps' last three lines (else, with `any_line`, the last three of anything)."""
    lines = run.matcher.lines
    shown = [line.text for line in lines if line.text.startswith("== APP")] or \
        ([line.text for line in lines] if any_line else [])
    return shown[-3:]


def _settled(run: _LiveJob) -> bool:
    """Some app has exited and the output has been still for the plan's settle time: what is
    still running (a subscriber, a server) will print nothing more."""
    if run.plan.settle_s is None or not run.exit_codes or run.last_app_output is None:
        return False
    return time.monotonic() - run.last_app_output > run.plan.settle_s
