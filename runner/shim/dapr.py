"""`dapr run` / `dapr stop` as the dapr CLI takes them, carried out with our own daprd.

README steps call `dapr ...`; when the runner executes a README it puts a `dapr` shim
first on PATH (services/shimenv.py) that lands here, so a step's `dapr run --app-id x --resources-path r -- cmd`
or `dapr run -f .` runs the app beside a daprd the runner drives, printing what the CLI
prints. Every `dapr run` of one README run shares that run's Redis and name resolution
(its ShimContext), so apps started by different steps find each other.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable

from runner.errors import InputError
from runner.formats.daprrun import DaprRunError, parse_dapr_run
from runner.formats.runtemplate import AppSpec, parse_run_template, run_file
from runner.job import JobPlan, RunSettings, run_job
from runner.services.resources import init_components, init_config
from runner.services.shimenv import ShimContext, calling_line, declared_names
from runner.services.ports import reserve
from runner.services import started
from runner.services.started import record_fault
from runner.shim.dapr_calls import invoke, list_apps, publish
from runner.services.ptyout import with_wrappers
from runner.shim.to_dapr_cli import dapr_cli_argv, wrappers
from runner.formats.cli_lines import (APP_FAILED, APP_FAILED_BARE, APP_OK, DAPR_OK, FAILURE, STOPPED, SUCCESS,
                                     prints_bare_app_lines, stop_lines, stop_targets, without_label)

_NO_TIMEOUT_S = 24 * 3600.0  # the step that called `dapr run` owns the timeout
CALLS = {"invoke": invoke, "publish": publish, "list": list_apps}


def _pid_file(context: ShimContext, app_id: str) -> Path | None:
    return context.run_dir / f"app-{app_id}.pid" if context.run_dir else None


def _plan(argv: list[str], cwd: Path, context: ShimContext) -> JobPlan:
    try:
        run = parse_dapr_run(shlex.join(["dapr", "run", *argv]))
    except DaprRunError as exc:
        raise InputError(f"dapr run: {exc}", calling_line()) from None
    if run.refused:  # never dropped unsaid: the step fails, naming the flag
        raise InputError(f"dapr run: {run.refused[0]}; quickstart-runner's dapr shim does not take it", calling_line())
    if run.run_file:
        template = parse_run_template(run_file((cwd / run.run_file).resolve()))
        apps, resources = template.apps, template.resources
        for app in apps:  # a per-app resources path replaces the common one
            resources = app.resources or resources
    else:  # no command: a sidecar alone, as the CLI runs one
        apps = (AppSpec(run.app_id or cwd.name, cwd, tuple(run.command), run.app_port, run.app_protocol,
                        dapr_http_port=run.dapr_http_port, dapr_grpc_port=run.dapr_grpc_port,
                        config=(cwd / run.config).resolve() if run.config else None, log_level=run.log_level,
                        daprd_flags=tuple(run.daprd_flags)),)
        resources = tuple((cwd / path).resolve() for path in run.resources_paths)
    if not resources and context.run_dir is not None:  # as `dapr init` left them: a Redis state store and pub/sub
        resources = (init_components(context.run_dir / "init-components"),)
    if context.zipkin and context.run_dir is not None:  # as `dapr init` left it: spans to its Zipkin
        config = init_config(context.run_dir, context.zipkin)
        apps = tuple(app if app.config else replace(app, config=config) for app in apps)
    missing = [str(path) for path in resources if not path.is_dir()]
    if missing:
        raise InputError(f"resources path does not exist: {', '.join(missing)}", "dapr run")
    if run.config and not (cwd / run.config).is_file():
        raise InputError(f"config file does not exist: {run.config}", "dapr run")
    return JobPlan(name="dapr run", building_block="-", language="-", variant="-", apps=tuple(apps),
                   resources=tuple(resources), expectation=None, timeout_s=_NO_TIMEOUT_S, as_written=True,
                   app_ids_in_output=bool(run.run_file))


def _stop(context: ShimContext, argv: list[str]) -> int:
    app_ids = list(stop_targets(argv)[0])
    for i, word in enumerate(argv[:-1]):
        if word in ("-f", "--run-file"):  # every app of a multi-app run template
            app_ids += [app.app_id for app in parse_run_template(run_file(Path(argv[i + 1]).resolve())).apps]
    if not app_ids:
        print("\u274c  dapr stop needs --app-id or -f", file=sys.stderr)
        return 1
    stopped: set[int] = set()
    for app_id in app_ids:
        pid_file = _pid_file(context, app_id)
        # Already gone counts as stopped: a validate run may have ended it early, once
        # its expectations were met.
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text())
            if pid not in stopped:  # the apps of one template share a `dapr run -f`: one SIGTERM
                stopped.add(pid)
                os.kill(pid, signal.SIGTERM)
        print(STOPPED.format(app_id=app_id))
    return 0


def _version(context: ShimContext) -> int:
    """The versions really in use: this shim in the CLI's place, and the daprd it runs."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("quickstart-runner")
    except PackageNotFoundError:
        ours = "unknown"
    runtime = "n/a"
    if context.daprd is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            said = subprocess.run([str(context.daprd), "--version"], capture_output=True, text=True, timeout=10)
            runtime = said.stdout.strip().splitlines()[-1] if said.returncode == 0 and said.stdout.strip() else runtime
    print(f"CLI version: quickstart-runner {ours} (its dapr shim)\nRuntime version: {runtime}")
    return 0


_APP_FAILED = re.compile(re.escape(APP_FAILED.split("{")[0]) + r"(\d+)$")


def _printer(cli_format: str | None, multi: bool) -> Callable[[str, str], None]:
    """What prints a job's transcript line as the CLI of `cli_format` would: from 1.17, a one-app
    run's app lines bare (its stderr on stderr), an app's failure as its exit code, on stderr, and
    an app that exited well said so again once daprd is gone."""
    bare = prints_bare_app_lines(cli_format) and not multi
    exited_well = False

    def echo(line: str, stream: str = "stdout") -> None:
        nonlocal exited_well
        if bare and (failed := _APP_FAILED.match(line)):
            print(APP_FAILED_BARE.format(code=failed.group(1)), file=sys.stderr, flush=True)
            return
        print(without_label(line) if bare else line, flush=True, file=sys.stderr if stream == "stderr" else sys.stdout)
        exited_well = exited_well or line == APP_OK
        if bare and line == DAPR_OK and exited_well:
            print(APP_OK, flush=True)

    return echo


def _sigterm_to_exit(signum, frame):
    # Once: a second SIGTERM (a page's `kill` after `dapr stop`) would cut the stop short, and
    # end the step by the signal, not with the CLI's exit code.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    raise KeyboardInterrupt  # unwinds the job's ExitStack: app, daprd and Redis stop


def _hand_to_cli(context: ShimContext, argv: list[str]) -> int:
    """--sidecar dapr: the real CLI runs the call, pointed at the job's services."""
    args = dapr_cli_argv(argv, Path.cwd(), context.run_dir, context.redis, context.control_plane_addresses,
                         context.zipkin)
    real = str(context.real_dapr)
    os.execve(real, [real, *args], with_wrappers(dict(os.environ), wrappers(context.run_dir)))
    return 127  # not reached: exec replaced this process


def main(argv: list[str]) -> int:
    context = ShimContext.from_env()
    reserve(*context.named_ports)  # the sidecar's free ports stay clear of them, as in the runner
    if context.zipkin is None and (spans := started.zipkin_endpoint(context.run_dir)):  # `docker run openzipkin/zipkin`
        context = replace(context, zipkin=spans)
    if context.real_dapr and context.in_readme_run:
        return _hand_to_cli(context, argv)
    if not argv or argv[0] in ("--version", "version", "-v"):
        return _version(context)
    if argv[0] == "stop":
        return _stop(context, argv[1:])
    if argv[0] in CALLS:
        return CALLS[argv[0]](context, argv[1:])
    if argv[0] == "init":  # what it would start, the job has: its own Redis, placement and scheduler
        print(f"{SUCCESS}Success! Dapr is up and running (quickstart-runner started this job's Redis, placement "
              "and scheduler)")
        return 0
    if argv[0] != "run":  # never claim what was not done: the step sees a failure, and says which
        served = ", ".join(["run", "stop", "init", "version", *CALLS])
        print(f"{FAILURE}`dapr {argv[0]}` is not served here: quickstart-runner's dapr shim serves {served}",
              file=sys.stderr)
        return 1
    plan = _plan(argv[1:], Path.cwd(), context)
    daprd = context.daprd
    if daprd is None:
        from runner.provision.daprd import ensure_daprd  # only outside a README run of ours

        daprd = ensure_daprd().path
    pid_files = [p for p in (_pid_file(context, app.app_id) for app in plan.apps) if p is not None]
    echo = _printer(context.cli_format, multi=plan.app_ids_in_output)
    bare = prints_bare_app_lines(context.cli_format) and not plan.app_ids_in_output

    try:
        # Within the try, before the pid files a `dapr stop` reads: a stop that comes at once ends well.
        signal.signal(signal.SIGTERM, _sigterm_to_exit)
        for pid_file in pid_files:
            pid_file.write_text(str(os.getpid()))
        result = run_job(plan, RunSettings(daprd=daprd, redis=context.redis, echo=echo, app_stderr_apart=bare,
                                           run_dir=context.run_dir,
                                           control_plane_addresses=context.control_plane_addresses,
                                           declared_env=declared_names()))
        if result.status != "passed" and result.reason:
            print(f"\u274c  {result.reason}", file=sys.stderr, flush=True)
            if result.fault and context.run_dir:  # something died under the app: the README run's verdict says so
                record_fault(context.run_dir, result.fault)
        if plan.app_ids_in_output:
            # As the CLI does with `dapr run -f`: stay up, the apps done, until `dapr stop -f`.
            while True:
                signal.pause()
    except KeyboardInterrupt:  # stopped (`dapr stop`, the step's end): what the CLI says then
        if plan.app_ids_in_output:
            print(stop_lines(True, len(plan.apps)), flush=True)
        else:
            print(stop_lines(False), flush=True)
        return 0
    finally:
        for pid_file in pid_files:
            pid_file.unlink(missing_ok=True)
    return 0 if result.status == "passed" else 1
