"""The environment in which `dapr` and `docker` calls are served by the runner: one Redis, one
control plane and one run dir (name resolution, the services the shims start) for every
call made in it, the shims first on PATH. A README run makes one; so does the pytest
plugin's `dapr` fixture, per test."""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from runner.errors import ProvisionError
from runner.formats.cli_lines import LABELLED_CLI
from runner.formats.compose import DAPR_INIT_REDIS
from runner.formats.steps import Annotated
from runner.provision import DEFAULT_VERSION
from runner.provision.daprd import binary_version
from runner.provision.zipkin import ensure_zipkin
from runner.services import started
from runner.services.daemon import ServiceError
from runner.services.redis import RedisEndpoint, RedisServer
from runner.services.zipkin import ZIPKIN_PORT, reads_traces
from runner.services.containers import Launcher, local
from runner.services.controlplane import ControlPlaneBinaries
from runner.services.groups import TRACK_DIR_ENV, job_records
from runner.services.jobservices import JobServices, ServiceWants
from runner.services.ports import reserved
from runner.services.shimenv import CLI_FORMAT, ShimContext, write_shims


@dataclass
class Shimmed:
    env: dict[str, str]  # what the steps run with
    run_dir: Path
    services: JobServices
    cli_format: str | None = None  # the dapr CLI version whose output its `dapr run`s print

    def problem(self) -> str | None:
        """What died under the run: one of its services (not a Redis a step stopped on purpose), or
        what a shim saw die (its daprd)."""
        redis_stopped = started.stopped_on_purpose(self.run_dir, DAPR_INIT_REDIS)
        excused = lambda service: redis_stopped and isinstance(service, RedisServer)  # noqa: E731
        return self.services.problem(excused) or next(iter(started.faults(self.run_dir)), None)

    def services_started(self) -> int:
        """How many services the shims have started so far (`docker compose up`)."""
        return len(started.recorded(self.run_dir))


def shimmed_env(workdir: Path, stack: contextlib.ExitStack, base: dict[str, str], daprd: Path | None = None,
                control_plane_binaries: ControlPlaneBinaries | None = None, real_cli=None, launch: Launcher = local,
                zipkin: tuple[Path, str, int] | None = None, redis_port: int | None = None,
                redis: RedisEndpoint | None = None, labelled: bool = False) -> Shimmed:
    """`base` with what the shims need, its services started in `workdir` (as processes, or in
    containers) and stopped by `stack`."""
    records = stack.enter_context(job_records(workdir.name))  # entered first: reaped after all else stopped
    run_dir = workdir / "run"
    run_dir.mkdir()
    services = JobServices(workdir, launch)
    stack.callback(services.stop)
    up = services.start(ServiceWants(redis=redis, control_plane_binaries=control_plane_binaries, zipkin=zipkin,
                                      redis_port=redis_port))
    stack.callback(started.stop_all, run_dir)
    context = ShimContext(run_dir, up.redis, daprd, up.control_plane_addresses, real_cli.path if real_cli else None,
                          up.zipkin, cli_format(base, daprd, real_cli, labelled), reserved())
    shim_dir = workdir / "bin"
    write_shims(shim_dir)
    env = {**base, **context.env(), TRACK_DIR_ENV: str(records),
           "PATH": f"{shim_dir}{os.pathsep}{base.get('PATH', '')}", **(real_cli.env() if real_cli else {})}
    return Shimmed(env, run_dir, services, context.cli_format)


def cli_format(env: dict[str, str], daprd: Path | None, real_cli=None, labelled: bool = False) -> str | None:
    """The dapr CLI version whose output a `dapr run` prints: the real CLI's, when it serves the
    calls; else, where the runner itself reads the output (`labelled`: validate, docs check), one
    that labels every app line, whose lines it compares with the label aside; else the one the
    user names (`--cli-version`); else the CLI paired with the runtime (daprd 1.17 comes with CLI
    1.17, which prints a one-app run's app lines bare)."""
    if real_cli is not None:
        return real_cli.version
    if labelled:
        return LABELLED_CLI
    if env.get(CLI_FORMAT):
        return env[CLI_FORMAT]
    return binary_version(daprd) if daprd is not None else DEFAULT_VERSION  # the shim's own daprd


def zipkin_for(annotated: Annotated) -> tuple[Path, str, int] | None:
    """Zipkin's (jar, java, port) when a step of the README reads traces from it."""
    if not reads_traces(annotated):
        return None
    java = shutil.which("java")
    if java is None:
        raise ServiceError("needs Zipkin: no Java runtime to run zipkin-server")
    try:
        return ensure_zipkin(), java, ZIPKIN_PORT
    except ProvisionError as exc:
        raise ServiceError(str(exc)) from None
