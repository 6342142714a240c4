"""Run one job: prepare, Redis, sidecar(s) and app(s), match as output streams, tear down.

`run_job` is the one entry: a plan in, a result out. A plan with README steps runs them
(job/readme.py); any other runs its apps beside a sidecar. Everything started here is
stopped here (an ExitStack unwinds it in reverse), on pass, failure, timeout or an
exception such as KeyboardInterrupt.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable

from runner.formats.expected import Expectation
from runner.job.env import app_env
from runner.job.plan import JobPlan, RunSettings
from runner.job.readme import run_readme
from runner.job.result import AppRunOutcome, app_result, as_flaky, skipped
from runner.recipes import RECIPES
from runner.recipes.base import Prepared, PrepareError, run_logged
from runner.results import JobResult, Progress
from runner.services.groups import check_interrupted, track_dir, untrack_dir
from runner.services.pty import AppStartError
from runner.services.controlplane import ControlPlane
from runner.services.daemon import ServiceError
from runner.services.postgres import PostgresServer, PostgresSpec
from runner.services.redis import RedisServer
from runner.services.resources import Endpoints, isolated_resources
from runner.services.started import postgres_endpoint
from runner.sidecar.base import AppLaunch, Exit, Line, SidecarError, Sidecars
from runner.sidecar.cli import CliSidecars
from runner.sidecar.daprd import DaprdSidecars, missing_component
from runner.transcript.explain import explain
from runner.transcript.masks import Redactor
from runner.transcript.matcher import StreamMatcher

OnProgress = Callable[[Progress], None]


def run_job(plan: JobPlan, settings: RunSettings, on_progress: OnProgress = lambda p: None,
            retries: int = 0) -> JobResult:
    """Run `plan`; a failed run is run again up to `retries` times (a later pass is flaky)."""
    runner = run_readme if plan.readme is not None else _run_apps
    result = first = runner(plan, settings, on_progress)
    for attempt in range(2, retries + 2):
        if result.status != "failed":
            break
        result = runner(plan, settings, on_progress)
        if result.status == "passed":
            result = as_flaky(result, first, attempt, retries + 1)
    return result


class _Run:
    """The mutable state of one job while it runs."""

    def __init__(self, plan: JobPlan, settings: RunSettings, on_progress: OnProgress):
        self.plan = plan
        self.settings = settings
        self.on_progress = on_progress
        # No expectation: the job runs until its apps exit, and passes when they exit with 0.
        self.matcher = StreamMatcher(plan.expectation or Expectation(lines=()))
        self.events: queue.Queue = queue.Queue()
        self.sidecars: Sidecars | None = None
        self.outcome = AppRunOutcome()
        self.exit_codes: dict[str, int | None] = {}
        self.last_app_output: float | None = None  # when an app last printed (monotonic)
        self.redact = Redactor(dict(os.environ))

    def progress(self, phase: str) -> None:
        self.on_progress(Progress(self.plan.name, phase, self.matcher.matched, self.matcher.total))

    @property
    def app_started(self) -> float | None:
        return self.sidecars.apps_started if self.sidecars is not None else None

    def since_app_start(self) -> float:
        return time.monotonic() - self.app_started if self.app_started else 0.0

    def emit(self, line: Line) -> None:
        text = self.redact(line.text)
        if line.from_app:
            self.last_app_output = time.monotonic()
        if line.from_app and self.outcome.first_output_s is None and self.app_started is not None:
            self.outcome.first_output_s = self.since_app_start()
        if self.settings.echo is not None:
            self.settings.echo(text)
        before = self.matcher.matched
        self.matcher.feed(text, line.stream, self.since_app_start())
        if self.matcher.matched != before:
            self.progress("running")

    def drain(self, timeout: float) -> None:
        """Feed queued output to the matcher, waiting up to `timeout` for the first event."""
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            if isinstance(event, Line):
                self.emit(event)
            elif isinstance(event, Exit):
                self.exit_codes[event.app_id] = event.code
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return


def _run_apps(plan: JobPlan, settings: RunSettings, on_progress: OnProgress) -> JobResult:
    if plan.skip_reason:
        return skipped(plan)
    started = time.monotonic()
    run = _Run(plan, settings, on_progress)
    workdir = Path(tempfile.mkdtemp(prefix="qsr-" + re.sub(r"[^\w.]+", "-", plan.name) + "-"))
    track_dir(workdir)
    try:
        with contextlib.ExitStack() as stack:
            stack.callback(untrack_dir, workdir)
            stack.callback(shutil.rmtree, workdir, True)
            _execute(run, stack, workdir)
    finally:
        on_progress(Progress(plan.name, "done", run.matcher.matched, run.matcher.total))
    run.drain(timeout=0)  # what teardown printed ("Exited Dapr successfully")
    run.outcome.duration_s = time.monotonic() - started
    return app_result(plan, run.outcome, run.matcher, run.redact)


def _prepare(plan: JobPlan, workdir: Path, outcome: AppRunOutcome) -> list[Prepared]:
    recipe = RECIPES.get(plan.language)
    if plan.toolchain is not None and recipe is not None:
        prepared = [recipe.prepare(app.app_dir, list(app.command), plan.toolchain) for app in plan.apps]
        outcome.prepare_reused = all(p.reused for p in prepared)
    else:
        prepared = [Prepared(command=list(app.command)) for app in plan.apps]
    for folder, command in plan.setup_commands:  # in the environment of the app they prepare
        env = next((ready.env for app, ready in zip(plan.apps, prepared) if folder in (app.app_dir, *app.app_dir.parents)),
                   prepared[0].env if prepared else {})
        run_logged(["bash", "-c", command], folder, workdir / "setup.log", env)
    return prepared


def _postgres(plan: JobPlan, workdir: Path, stack: contextlib.ExitStack) -> tuple[str, int] | None:
    """A PostgreSQL of the job's own for each compose service it needs; where the last listens."""
    where = None
    for service in plan.services:
        server = PostgresServer(workdir / "services" / service.container_name, PostgresSpec.of(service))
        stack.callback(server.stop)
        endpoint = server.start()
        where = (endpoint.host, endpoint.port)
    return where


def _sidecars(run: _Run, control_plane) -> Sidecars:
    settings, shown = run.settings, run.plan.app_ids_shown
    if settings.sidecar == "dapr":
        return CliSidecars(run.events, shown, control_plane, settings.dapr_cli)
    return DaprdSidecars(run.events, shown, control_plane, settings.daprd, settings.run_dir, settings.log_level)


def _execute(run: _Run, stack: contextlib.ExitStack, workdir: Path) -> None:
    plan, settings, outcome = run.plan, run.settings, run.outcome
    try:
        run.progress("preparing")
        t0 = time.monotonic()
        prepared = _prepare(plan, workdir, outcome)
        outcome.phases["prepare"] = time.monotonic() - t0

        run.progress("sidecar")
        t0 = time.monotonic()
        missing = missing_component(settings.daprd, list(plan.resources)) if settings.sidecar == "daprd" else None
        if missing:
            raise SidecarError(missing)
        redis, server = settings.redis, None
        launch = settings.launcher(plan.name)
        if redis is None:
            server = RedisServer(workdir / "redis", launch=launch)
            stack.callback(server.stop)
            redis = server.start()
        control_plane, addresses = None, settings.control_plane
        if addresses is None and settings.control_plane_binaries is not None:
            binaries = settings.control_plane_binaries
            control_plane = ControlPlane(binaries.placement, binaries.scheduler, workdir / "control-plane", launch)
            stack.callback(control_plane.stop)
            addresses = control_plane.start()
        endpoints = Endpoints(redis, _postgres(plan, workdir, stack) or postgres_endpoint(settings.run_dir))
        resources = [isolated_resources(path, workdir / f"resources-{i}", endpoints)
                     for i, path in enumerate(plan.resources)]
        launches = [AppLaunch(app, tuple(app.command if plan.as_written else ready.command),
                              app_env(ready.env, app.env, settings.pass_env))
                    for app, ready in zip(plan.apps, prepared)]
        sidecars = run.sidecars = _sidecars(run, addresses)
        processes = sidecars.start(launches, resources, workdir, stack)
        outcome.phases["sidecar"] = run.app_started - t0
        run.progress("running")
        outcome.status, outcome.reason = _watch(run, sidecars, [server, control_plane], processes)
        outcome.phases["run"] = time.monotonic() - run.app_started
    except PrepareError as exc:
        outcome.reason = f"prepare failed: {exc}"
    except (ServiceError, SidecarError, AppStartError) as exc:
        outcome.reason = str(exc)
    except OSError as exc:  # e.g. the cache or temp dir cannot be written
        outcome.reason = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")


def _watch(run: _Run, sidecars: Sidecars, services: list, processes: int) -> tuple[str, str]:
    """Wait until every expectation is met, every app has exited, time is up, or a sidecar or
    a service of the job died; return the verdict (status, reason)."""
    deadline = run.app_started + run.plan.timeout_s
    while True:
        check_interrupted()
        run.drain(timeout=0.05)
        if run.matcher.total and run.matcher.complete:
            return "passed", ""
        if len(run.exit_codes) == processes:
            run.drain(timeout=0.2)  # lines still in flight behind the exit
            sidecars.apps_done()
            # With expectations, the output decides; without, the apps' exit codes do.
            if run.matcher.total:
                passed = run.matcher.complete
            else:
                passed = all(code == 0 for code in run.exit_codes.values())
            return ("passed", "") if passed else ("failed", _failure(run))
        problem = next(filter(None, (service.problem() for service in services if service is not None)),
                       None) or sidecars.problem()
        if problem:
            run.drain(timeout=0.2)
            return "failed", problem
        if _settled(run):
            return "failed", (f"an app exited and no app printed anything for {run.plan.settle_s:.0f}s since, with "
                              f"{run.matcher.matched} of {run.matcher.total} expected lines matched; "
                              f"{explain_first(run.matcher)}")
        if time.monotonic() > deadline:
            shown = [line.text for line in run.matcher.lines if line.text.startswith("== APP")] or \
                [line.text for line in run.matcher.lines]
            tail = shown[-3:]
            return "failed", (f"timed out after {run.plan.timeout_s:.0f}s with {run.matcher.matched} of "
                              f"{run.matcher.total} expected lines matched; last app output: {tail}")


def _settled(run: _Run) -> bool:
    """Some app has exited and the output has been still for the plan's settle time: what is
    still running (a subscriber, a server) will print nothing more."""
    if run.plan.settle_s is None or not run.exit_codes or run.last_app_output is None:
        return False
    return time.monotonic() - run.last_app_output > run.plan.settle_s


def _failure(run: _Run) -> str:
    codes = [str(code) for code in run.exit_codes.values() if code != 0]
    if run.matcher.total == 0:
        return f"app exited with code {', '.join(codes)}"
    misses = explain_first(run.matcher)
    if codes:
        tail = [line.text for line in run.matcher.lines if line.text.startswith("== APP")][-3:]
        return f"app exited with code {', '.join(codes)} before the output matched; {misses}; last app output: {tail}"
    return misses


def explain_first(matcher: StreamMatcher) -> str:
    misses = explain(matcher, limit=1)
    return misses[0].summary() if misses else "output did not match"
