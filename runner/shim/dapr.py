"""`dapr run` / `dapr stop` as the dapr CLI takes them, carried out with our own daprd.

README steps call `dapr ...`; when the runner executes a README it puts a `dapr` shim
first on PATH (shim/install.py) that lands here, so a step's `dapr run --app-id x --resources-path r -- cmd`
or `dapr run -f .` runs the app beside a daprd the runner drives, printing what the CLI
prints. Every `dapr run` of one README run shares that run's Redis and name resolution
(QSR_REDIS, QSR_RUN_DIR), so apps started by different steps find each other.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import sys
from pathlib import Path

from runner.errors import InputError
from runner.formats.daprrun import DaprRunError, parse_dapr_run
from runner.formats.runtemplate import AppSpec, parse_run_template, run_file
from runner.job import JobPlan, RunSettings, run_job
from runner.services.redis import parse_address
from runner.services.controlplane import ControlPlaneAddresses
from runner.shim.install import ENV_DAPRD, ENV_PLACEMENT, ENV_REAL_DAPR, ENV_REDIS, ENV_RUN_DIR, ENV_SCHEDULER
from runner.shim.through_cli import cli_argv
from runner.sidecar.texts import DAPR_OK, INFO, RECEIVED_SIGNAL, STOPPED, TERMINATED, TERMINATION

_NO_TIMEOUT_S = 24 * 3600.0  # the step that called `dapr run` owns the timeout


def _pid_file(app_id: str) -> Path | None:
    run_dir = os.environ.get(ENV_RUN_DIR)
    return Path(run_dir) / f"app-{app_id}.pid" if run_dir else None


def _plan(argv: list[str], cwd: Path) -> JobPlan:
    try:
        run = parse_dapr_run(shlex.join(["dapr", "run", *argv]))
    except DaprRunError as exc:
        raise InputError(str(exc), "dapr run") from None
    if run.run_file:
        template = parse_run_template(run_file((cwd / run.run_file).resolve()))
        apps, resources = template.apps, template.resources
        for app in apps:  # a per-app resources path replaces the common one
            resources = app.resources or resources
    else:
        if not run.command:
            raise InputError("no app command (give it after `--`)", "dapr run")
        apps = (AppSpec(run.app_id or cwd.name, cwd, tuple(run.command), run.app_port, run.app_protocol,
                        dapr_http_port=run.dapr_http_port, dapr_grpc_port=run.dapr_grpc_port,
                        config=(cwd / run.config).resolve() if run.config else None, log_level=run.log_level),)
        resources = tuple((cwd / path).resolve() for path in run.resources_paths)
    missing = [str(path) for path in resources if not path.is_dir()]
    if missing:
        raise InputError(f"resources path does not exist: {', '.join(missing)}", "dapr run")
    if run.config and not (cwd / run.config).is_file():
        raise InputError(f"config file does not exist: {run.config}", "dapr run")
    return JobPlan(name="dapr run", building_block="-", language="-", variant="-", apps=tuple(apps),
                   resources=tuple(resources), expectation=None, timeout_s=_NO_TIMEOUT_S, as_written=True,
                   app_ids_in_output=bool(run.run_file))


def _stop(argv: list[str]) -> int:
    app_ids = [argv[i + 1] for i, word in enumerate(argv[:-1]) if word in ("--app-id", "-a")]
    app_ids += [word.split("=", 1)[1] for word in argv if word.startswith("--app-id=")]
    for i, word in enumerate(argv[:-1]):
        if word in ("-f", "--run-file"):  # every app of a multi-app run template
            app_ids += [app.app_id for app in parse_run_template(run_file(Path(argv[i + 1]).resolve())).apps]
    if not app_ids:
        print("\u274c  dapr stop needs --app-id or -f", file=sys.stderr)
        return 1
    for app_id in app_ids:
        pid_file = _pid_file(app_id)
        # Already gone counts as stopped: a validate run may have ended it early, once
        # its expectations were met.
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        print(STOPPED.format(app_id=app_id))
    return 0


def _sigterm_to_exit(signum, frame):
    raise KeyboardInterrupt  # unwinds the job's ExitStack: app, daprd and Redis stop


def _hand_to_cli(real: str, argv: list[str]) -> int:
    """--sidecar dapr: the real CLI runs the call, pointed at the job's services."""
    run_dir = Path(os.environ[ENV_RUN_DIR])
    control_plane = ((os.environ[ENV_PLACEMENT], os.environ[ENV_SCHEDULER])
                     if os.environ.get(ENV_PLACEMENT) and os.environ.get(ENV_SCHEDULER) else None)
    args = cli_argv(argv, Path.cwd(), run_dir, parse_address(os.environ[ENV_REDIS]), control_plane)
    os.execv(real, [real, *args])
    return 127  # not reached: exec replaced this process


def main(argv: list[str]) -> int:
    real = os.environ.get(ENV_REAL_DAPR)
    if real and os.environ.get(ENV_RUN_DIR) and os.environ.get(ENV_REDIS):
        return _hand_to_cli(real, argv)
    if not argv or argv[0] in ("--version", "version"):
        print("CLI version: quickstart-runner shim\nRuntime version: (daprd driven by quickstart-runner)")
        return 0
    if argv[0] == "stop":
        return _stop(argv[1:])
    if argv[0] != "run":
        print(f"quickstart-runner: `dapr {argv[0]}` is not needed here; the runner provides daprd and Redis",
              file=sys.stderr)
        return 0
    plan = _plan(argv[1:], Path.cwd())
    daprd = os.environ.get(ENV_DAPRD)
    if not daprd:
        from runner.provision.daprd import ensure_daprd  # only outside a README run of ours

        daprd = str(ensure_daprd().path)
    redis = parse_address(os.environ[ENV_REDIS]) if os.environ.get(ENV_REDIS) else None
    run_dir = Path(os.environ[ENV_RUN_DIR]) if os.environ.get(ENV_RUN_DIR) else None
    control_plane = (ControlPlaneAddresses(os.environ[ENV_PLACEMENT], os.environ[ENV_SCHEDULER])
                     if os.environ.get(ENV_PLACEMENT) and os.environ.get(ENV_SCHEDULER) else None)
    pid_files = [p for p in (_pid_file(app.app_id) for app in plan.apps) if p is not None]
    for pid_file in pid_files:
        pid_file.write_text(str(os.getpid()))
    signal.signal(signal.SIGTERM, _sigterm_to_exit)

    def echo(line: str) -> None:
        print(line, flush=True)

    try:
        result = run_job(plan, RunSettings(daprd=Path(daprd), redis=redis, echo=echo, run_dir=run_dir,
                                           control_plane=control_plane))
        if plan.app_ids_in_output:
            # As the CLI does with `dapr run -f`: stay up, the apps done, until `dapr stop -f`.
            while True:
                signal.pause()
    except KeyboardInterrupt:  # stopped (`dapr stop`, the step's end): what the CLI says then
        if plan.app_ids_in_output:
            print(f"\n{RECEIVED_SIGNAL}" + f"\n\n{TERMINATION}" * len(plan.apps), flush=True)
        else:
            print(f"{INFO}\n{TERMINATED}\n{DAPR_OK}", flush=True)
        return 0
    finally:
        for pid_file in pid_files:
            pid_file.unlink(missing_ok=True)
    if result.status != "passed" and result.reason:
        print(f"\u274c  {result.reason}", file=sys.stderr, flush=True)
    return 0 if result.status == "passed" else 1
