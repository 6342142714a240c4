"""Run one job: prepare, Redis, sidecar(s), app(s) under a PTY, match as output streams, tear down.

Everything started here is stopped here (an ExitStack unwinds it in reverse), on pass,
failure, timeout or an exception such as KeyboardInterrupt.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from runner.infra.redis import RedisEndpoint, RedisError, RedisServer
from runner.infra.ports import is_listening
from runner.infra.resources import isolated_resources
from runner.plan import JobPlan
from runner.provision.daprcli import DaprCli
from runner.process import AppProcess, AppStartError
from runner.procs import check_interrupted, track_dir, untrack_dir
from runner.recipes import RECIPES
from runner.recipes.base import Prepared, PrepareError, run_logged
from runner.results import JobResult
from runner.secrets import Redactor, app_environment
from runner.sidecar.daprd import DaprdSidecar, SidecarError, SidecarPorts, write_config
from runner.transcript.explain import explain
from runner.transcript.expected import Expectation
from runner.transcript.matcher import StreamMatcher

# The dapr CLI's own status lines, emoji and all, so upstream expectations hold in daprd mode.
STARTING = "\u2139\ufe0f  Starting Dapr with id {app_id}. HTTP Port: {http}. gRPC Port: {grpc}"
UP = "\u2705  You're up and running! Both Dapr and your app logs will appear here."
APP_OK = "\u2705  Exited App successfully"
APP_FAILED = "\u274c  The App process exited with error code: {code}"
DAPR_OK = "\u2705  Exited Dapr successfully"
APP_STOP_GRACE_S = 0.5
CLI_STOP_GRACE_S = 5.0  # the dapr CLI stops daprd and the app itself on SIGTERM: let it
_CLI_APP_LINE = re.compile(r"(?:\x1b\[[0-9;]*m)?== APP[ =-]")


def split_cli_line(text: str) -> list[str]:
    """One CLI output line, cut wherever an app line starts (its colour code included)."""
    starts = [m.start() for m in _CLI_APP_LINE.finditer(text) if m.start() > 0]
    bounds = [0, *starts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if text[a:b]]


@dataclass(frozen=True)
class RunSettings:
    daprd: Path
    redis: RedisEndpoint | None = None  # an existing Redis; None: start our own per job
    log_level: str = "info"
    sidecar: str = "daprd"  # daprd: driven by us; dapr: through the real dapr CLI
    dapr_cli: DaprCli | None = None
    echo: Callable[[str], None] | None = None  # every transcript line as it happens (the dapr CLI shim)
    pass_env: frozenset[str] = frozenset()  # credential-looking variables the apps may see anyway
    run_dir: Path | None = None  # shared by every daprd of one README run (name resolution)


@dataclass(frozen=True)
class Progress:
    job: str
    phase: str  # preparing | redis | sidecar | running | done
    matched: int = 0
    expected: int = 0


def _app_prefix(app_id: str, multi: bool) -> str:
    return f"== APP - {app_id} == " if multi else "== APP == "


class _Run:
    """The mutable state of one job while it runs."""

    def __init__(self, plan: JobPlan, settings: RunSettings, on_progress: Callable[[Progress], None]):
        self.plan = plan
        self.settings = settings
        self.on_progress = on_progress
        # No expectation: the job runs until its apps exit, and passes when they exit with 0.
        self.matcher = StreamMatcher(plan.expectation or Expectation(lines=()))
        self.events: queue.Queue = queue.Queue()
        self.app_started: float | None = None
        self.first_output: float | None = None
        self.phases = {"prepare": 0.0, "sidecar": 0.0, "run": 0.0}
        self.exit_codes: dict[str, int | None] = {}
        self.redact = Redactor(dict(os.environ))
        self.workdir: Path | None = None

    def progress(self, phase: str) -> None:
        self.on_progress(Progress(self.plan.name, phase, self.matcher.matched, self.matcher.total))

    def since_app_start(self) -> float:
        return time.monotonic() - self.app_started if self.app_started else 0.0

    def emit(self, text: str, stream: str = "stdout") -> None:
        text = self.redact(text)
        if self.settings.echo is not None:
            self.settings.echo(text)
        before = self.matcher.matched
        self.matcher.feed(text, stream, self.since_app_start())
        if self.matcher.matched != before:
            self.progress("running")

    def drain(self, timeout: float) -> None:
        """Feed queued output to the matcher, waiting up to `timeout` for the first event."""
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            kind, app_id, payload = event
            if kind == "line":
                if app_id != "daprd" and self.first_output is None:
                    self.first_output = self.since_app_start()
                # The dapr CLI writes daprd's and the app's output to one terminal without
                # keeping lines whole: an app line can start in the middle of a log line.
                for piece in (split_cli_line(payload) if app_id == "cli" else [payload]):
                    self.emit(piece)
            elif kind == "exit":
                self.exit_codes[app_id] = payload
                if app_id != "dapr":  # the dapr CLI prints its own status lines
                    self.emit(APP_OK if payload == 0 else APP_FAILED.format(code=payload),
                              "stdout" if payload == 0 else "stderr")
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return


def run_job(plan: JobPlan, settings: RunSettings, on_progress: Callable[[Progress], None] = lambda p: None) -> JobResult:
    qs = plan.quickstart
    result = JobResult(
        quickstart=qs.name, building_block=qs.building_block, language=qs.language, variant=qs.variant,
        status="skipped", toolchain=plan.toolchain.version, expected_source=qs.expected_source,
    )
    if plan.skip_reason:
        result.reason = plan.skip_reason
        return result
    started = time.monotonic()
    run = _Run(plan, settings, on_progress)
    workdir = run.workdir = Path(tempfile.mkdtemp(prefix=f"qsr-{qs.building_block}-{qs.language}-"))
    track_dir(workdir)
    try:
        with contextlib.ExitStack() as stack:
            stack.callback(untrack_dir, workdir)
            stack.callback(shutil.rmtree, workdir, True)
            _execute(run, stack, workdir, result)
    finally:
        result.duration_s = time.monotonic() - started
        result.phases = run.phases
        result.expected = run.matcher.total
        result.matched = run.matcher.matched
        result.first_output_s = run.first_output
        result.last_match_s = run.matcher.last_match_t
        result.transcript = [line.text for line in run.matcher.lines]
        expectation = plan.expectation
        result.hits = [{"expected": expectation.lines[hit.expected_index].text,
                        "expected_line": expectation.lines[hit.expected_index].source_line,
                        "output_line": hit.output_number} for hit in run.matcher.hits()] if expectation else []
        if result.status == "failed" and run.matcher.total:
            details = explain(run.matcher)
            result.misses = [miss.summary() for miss in details]
            result.miss_details = [miss.record() for miss in details]
            if details:
                result.failure_file, result.failure_line = expectation.source, details[0].source_line
        result.reason = run.redact(result.reason)
        result.misses = [run.redact(miss) for miss in result.misses]
        on_progress(Progress(plan.name, "done", run.matcher.matched, run.matcher.total))
    return result


def _execute(run: _Run, stack: contextlib.ExitStack, workdir: Path, result: JobResult) -> None:
    plan, settings = run.plan, run.settings
    recipe = RECIPES.get(plan.quickstart.language)
    try:
        run.progress("preparing")
        t0 = time.monotonic()
        if plan.prepare and recipe is not None:
            prepared = [recipe.prepare(app.app_dir, list(app.command), plan.toolchain) for app in plan.apps]
            result.prepare_reused = all(p.reused for p in prepared)
        else:
            prepared = [Prepared(command=list(app.command)) for app in plan.apps]
        for app, ready in zip(plan.apps, prepared):
            for command in plan.setup_commands:
                run_logged(["bash", "-c", command], app.app_dir, workdir / "setup.log", ready.env)
        run.phases["prepare"] = time.monotonic() - t0

        run.progress("sidecar")
        t0 = time.monotonic()
        redis = settings.redis
        server = None
        if redis is None:
            server = RedisServer(workdir / "redis")
            stack.callback(server.stop)
            redis = server.start()
        resources = [isolated_resources(path, workdir / f"resources-{i}", redis)
                     for i, path in enumerate(plan.resources)]
        if settings.sidecar == "dapr":
            run.phases["sidecar"] = time.monotonic() - t0
            run.progress("running")
            run.app_started = time.monotonic()
            sidecars, processes = [], [_start_cli(run, stack, workdir, prepared, resources)]
        else:
            sidecars = _start_sidecars(run, stack, resources)
            run.phases["sidecar"] = time.monotonic() - t0
            run.progress("running")
            run.app_started = time.monotonic()
            processes = _start_apps(run, stack, prepared, sidecars)
        t0 = run.app_started
        _watch(run, sidecars, result, server, len(processes))
        run.phases["run"] = time.monotonic() - t0
    except PrepareError as exc:
        result.status, result.reason = "failed", f"prepare failed: {exc}"
    except (RedisError, SidecarError, AppStartError) as exc:
        result.status, result.reason = "failed", str(exc)
    except OSError as exc:  # e.g. the cache or temp dir cannot be written
        result.status, result.reason = "failed", f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")


def _start_sidecars(run: _Run, stack: contextlib.ExitStack, resources: list[Path]) -> list[DaprdSidecar]:
    """daprd mode: one daprd per app, on free loopback ports, printing what the CLI would."""
    settings, sidecars = run.settings, []
    for app in run.plan.apps:
        ports = SidecarPorts.allocate(app.dapr_http_port, app.dapr_grpc_port)
        sidecar = DaprdSidecar(
            settings.daprd, app.app_id, resources, settings.run_dir or run.workdir, ports,
            on_line=lambda line: run.events.put(("line", "daprd", line)),
            app_port=app.app_port, app_protocol=app.app_protocol, log_level=settings.log_level,
        )
        stack.callback(_stop_sidecar, run, sidecar)
        run.emit(STARTING.format(app_id=app.app_id, http=ports.http, grpc=ports.grpc))
        sidecar.start()
        sidecars.append(sidecar)
    run.emit(UP)
    return sidecars


def _start_apps(run: _Run, stack: contextlib.ExitStack, prepared: list[Prepared],
                sidecars: list[DaprdSidecar]) -> list[AppProcess]:
    plan, processes = run.plan, []
    for app, ready, sidecar in zip(plan.apps, prepared, sidecars):
        prefix = _app_prefix(app.app_id, plan.app_ids_shown)
        env = _app_env(app, ready.env, sidecar.ports, run.settings.pass_env)
        process = AppProcess(
            list(app.command if plan.as_written else ready.command), app.app_dir, env,
            on_line=lambda line, p=prefix: run.events.put(("line", "app", p + line)),
            on_exit=lambda code, a=app.app_id: run.events.put(("exit", a, code)),
        )
        # The verdict is in when we stop an app: a short grace, then SIGKILL (npm alone
        # takes ~2 s to act on SIGTERM, though node has long gone).
        stack.callback(process.stop, APP_STOP_GRACE_S)
        process.start()
        processes.append(process)
    _wait_for_app_ports(run, processes)
    return processes


def _wait_for_app_ports(run: _Run, processes: list[AppProcess], timeout: float = 60.0) -> None:
    """An app with an appPort counts as started once it listens (or exits, or time is up)."""
    deadline = time.monotonic() + timeout
    for app, process in zip(run.plan.apps, processes):
        while app.app_port and not is_listening(app.app_port) and time.monotonic() < deadline:
            check_interrupted()
            if process.child is None or not process.child.isalive():
                break
            time.sleep(0.05)


def _start_cli(run: _Run, stack: contextlib.ExitStack, workdir: Path, prepared: list[Prepared],
               resources: list[Path]) -> AppProcess:
    """dapr mode: the real dapr CLI starts daprd and the app(s); its output is taken as printed."""
    plan, cli = run.plan, run.settings.dapr_cli
    config = write_config(workdir)
    commands = [list(app.command if plan.as_written else ready.command) for app, ready in zip(plan.apps, prepared)]
    env = app_environment(dict(os.environ), run.settings.pass_env)
    for ready in prepared:
        env.update(ready.env)
    env.update(cli.env())
    if plan.app_ids_shown:
        # `dapr run -f`: a template of ours, with the job's resources copy and config.
        rel = lambda path: os.path.relpath(path, workdir)  # noqa: E731 - the CLI joins paths to the template's dir
        template = {"version": 1, "common": {"resourcesPaths": [rel(r) for r in resources], "configFilePath": rel(config)},
                    "apps": [{"appID": app.app_id, "appDirPath": rel(app.app_dir), "command": command, "env": app.env,
                              **({"appPort": app.app_port} if app.app_port else {})}
                             for app, command in zip(plan.apps, commands)]}
        (workdir / "dapr.yaml").write_text(yaml.safe_dump(template, sort_keys=False))
        argv, cwd = [str(cli.path), "run", "-f", str(workdir / "dapr.yaml")], workdir
    else:
        app = plan.apps[0]
        env.update(app.env)
        argv = [str(cli.path), "run", "--app-id", app.app_id, "--config", str(config),
                "--placement-host-address", "", "--scheduler-host-address", ""]
        for path in resources:
            argv += ["--resources-path", str(path)]
        for flag, value in (("--app-port", app.app_port), ("--app-protocol", app.app_protocol),
                            ("--dapr-http-port", app.dapr_http_port), ("--dapr-grpc-port", app.dapr_grpc_port)):
            if value:
                argv += [flag, str(value)]
        argv, cwd = [*argv, "--", *commands[0]], app.app_dir
    process = AppProcess(argv, cwd, env,
                         on_line=lambda line: run.events.put(("line", "cli", line)),
                         on_exit=lambda code: run.events.put(("exit", "dapr", code)))
    stack.callback(process.stop, CLI_STOP_GRACE_S)
    process.start()
    return process


def _watch(run: _Run, sidecars: list[DaprdSidecar], result: JobResult, redis: RedisServer | None,
           n_processes: int) -> None:
    """Wait until every expectation is met, every app has exited, time is up, or a sidecar or Redis died."""
    deadline = run.app_started + run.plan.timeout_s
    while True:
        check_interrupted()
        run.drain(timeout=0.05)
        if run.matcher.total and run.matcher.complete:
            result.status = "passed"
            return
        if len(run.exit_codes) == n_processes:
            run.drain(timeout=0.2)  # lines still in flight behind the exit
            for sidecar in sidecars:  # as the CLI does once the app is gone
                _stop_sidecar(run, sidecar)
            # With expectations, the output decides; without, the apps' exit codes do.
            if run.matcher.total:
                passed = run.matcher.complete
            else:
                passed = all(code == 0 for code in run.exit_codes.values())
            result.status = "passed" if passed else "failed"
            if not passed:
                result.reason = _failure(run)
            return
        if redis is not None and not redis.alive():
            run.drain(timeout=0.2)
            result.status = "failed"
            result.reason = f"redis-server (port {redis.endpoint.port}) exited during the run"
            return
        dead = next((s for s in sidecars if not s.alive()), None)
        if dead is not None:
            run.drain(timeout=0.2)
            result.status = "failed"
            result.reason = f"daprd for {dead.app_id} exited during the run: {dead.fatal_line()}"
            return
        if time.monotonic() > deadline:
            result.status = "failed"
            tail = [line.text for line in run.matcher.lines[-3:]]
            result.reason = (f"timed out after {run.plan.timeout_s:.0f}s with {run.matcher.matched} of "
                             f"{run.matcher.total} expected lines matched; last output: {tail}")
            return


def _failure(run: _Run) -> str:
    misses = [miss.summary() for miss in explain(run.matcher)]
    codes = [str(code) for code in run.exit_codes.values() if code != 0]
    if run.matcher.total == 0:
        return f"app exited with code {', '.join(codes)}"
    head = misses[0] if misses else "output did not match"
    if codes:
        tail = [line.text for line in run.matcher.lines if line.text.startswith("== APP")][-3:]
        head = f"app exited with code {', '.join(codes)} before the output matched; {head}; last app output: {tail}"
    return head


def _stop_sidecar(run: _Run, sidecar: DaprdSidecar) -> None:
    if sidecar.process is None:
        return
    sidecar.stop()
    run.drain(timeout=0.05)
    run.emit(DAPR_OK)


def _app_env(app, prepared_env: dict[str, str], ports: SidecarPorts, pass_env: frozenset[str]) -> dict[str, str]:
    env = app_environment(dict(os.environ), pass_env)
    env.update(prepared_env)
    env.update(app.env)
    env.update({
        "APP_ID": app.app_id, "DAPR_HTTP_PORT": str(ports.http), "DAPR_GRPC_PORT": str(ports.grpc),
        "DAPR_METRICS_PORT": str(ports.metrics),
    })
    if app.app_port:
        env["APP_PORT"] = str(app.app_port)
    # Under the dapr CLI an app writes to a pipe and prints no colours; on our PTY (kept for
    # line buffering) node and friends would colour their output unless told not to.
    env.setdefault("NO_COLOR", "1")
    env.setdefault("FORCE_COLOR", "0")
    return env
