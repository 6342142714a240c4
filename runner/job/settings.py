"""How the jobs of a run are run (`RunSettings`): which sidecar, found or built once (daprd
driven by the runner, or the real dapr CLI), each job's own placement and scheduler as `dapr
init` gives one, where its services run, how builds take turns."""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ContextManager

from runner.errors import InputError
from runner.provision.dapr_cli import DaprCli, ensure_cli, installed_cli, reported_versions
from runner.provision.daprd import Daprd, binary_version, ensure_control_plane, ensure_daprd, find_control_plane
from runner.provision.releases import Releases
from runner.services.containers import ContainerInfra, Launcher, engine, images, local, reap
from runner.services.controlplane import ControlPlaneAddresses, ControlPlaneBinaries
from runner.services.machine import build_slot
from runner.services.redis import RedisEndpoint


@dataclass(frozen=True)
class RunSettings:
    daprd: Path
    redis: RedisEndpoint | None = None  # an existing Redis; None: start our own per job
    log_level: str = "info"
    sidecar: str = "daprd"  # daprd: driven by us; dapr: through the real dapr CLI
    dapr_cli: DaprCli | None = None
    echo: Callable[[str, str], None] | None = None  # every transcript line and its stream as it happens (the dapr shim)
    app_stderr_apart: bool = False  # an app's stderr lines kept apart from its terminal (CLI 1.17+'s one-app run)
    pass_env: frozenset[str] = frozenset()  # credential-looking variables the apps may see anyway
    declared_env: frozenset[str] = frozenset()  # variables a README set itself: passed and not redacted
    run_dir: Path | None = None  # shared by every daprd of one README run (name resolution, its services)
    control_plane_binaries: ControlPlaneBinaries | None = None  # placement and scheduler to start per job
    control_plane_addresses: ControlPlaneAddresses | None = None  # ...or the ones already running (a README run's)
    containers: ContainerInfra | None = None  # --infra docker: Redis, placement, scheduler in containers
    build_slots: int | None = None  # builds and installs take turns on this many machine-wide slots; None: no turns
    runtime: str | None = None  # the Dapr runtime version its jobs run with
    own_networks: bool = False  # a job that names ports runs in a network of its own (services/netns.py), not in turns

    def build_turns(self, on_wait: Callable[[str], None]) -> Callable[[], ContextManager[None]]:
        """What a build or install runs inside: one of the machine's build slots, when these
        settings ask for turns."""
        slots = self.build_slots
        if not slots:
            return contextlib.nullcontext
        return lambda: build_slot(slots, on_wait)

    def launcher(self, job: str) -> Launcher:
        """What a job starts its services with: processes, or containers of the job's own."""
        return self.containers.launcher(job) if self.containers is not None else local


def infra_settings(infra: str, version: str, image_overrides: dict[str, str], can_fetch: bool = True) -> ContainerInfra | None:
    """Where the jobs' services run: None for local processes, else containers (`--infra`:
    local | docker | auto, auto meaning local binaries where present or to be had (fetched from a
    release, built with go), else Docker)."""
    if infra == "local":
        return None
    local_ready = shutil.which("redis-server") is not None and (can_fetch or shutil.which("go")
                                                                or find_control_plane(version))
    if infra == "auto" and local_ready:
        return None
    client = engine()
    if client is None:
        missing = "no Docker engine answers (DOCKER_HOST, or /var/run/docker.sock)"
        if infra == "auto":
            missing = f"redis-server (or placement and scheduler, and go to build them) is not here, and {missing}"
        raise InputError(missing, "--infra")
    reap(client)  # what a runner killed with SIGKILL left
    return ContainerInfra(images(version, image_overrides))


def run_settings(sidecar: str, version: str, daprd: Path | None, say: Callable[[str], None],
                 containers: ContainerInfra | None = None, cli_version: str | None = None,
                 releases: Releases | None = None, control_plane: str = "auto", **extra) -> tuple[RunSettings, dict]:
    """The settings for `sidecar` (auto | daprd | dapr) at runtime `version`, and what to say about
    them (printed, and kept in reports). `daprd`: a daprd binary to use instead of ours; `containers`:
    run the jobs' services in containers (placement and scheduler then need no binaries here);
    `cli_version`: the dapr CLI to pair with the runtime (default: the newest served for its minor);
    `releases`: where official archives come from; `control_plane`: auto | official | built."""
    releases = releases or Releases()
    named = None
    if daprd is not None:
        if not daprd.is_file() or not os.access(daprd, os.X_OK):
            raise InputError("not an executable daprd", daprd)
        named = Daprd(daprd, binary_version(daprd) or version, "named", f"--daprd {daprd}")
    cli = installed_cli() if (sidecar == "auto" and daprd is None) or (sidecar == "dapr" and cli_version is None) else None
    runtime = reported_versions(cli.path, cli.env())[1] if cli is not None else None
    if cli is not None and runtime != version:  # a job runs the runtime it is labelled with
        say(f"the dapr CLI on PATH ({cli.path}) runs runtime {runtime or '?'}, not {version}: "
            + ("using a CLI of ours that runs it" if sidecar == "dapr" else "running daprd directly"))
        cli = runtime = None
    found = None if cli is not None else named or ensure_daprd(version, progress=say, releases=releases)
    if containers is not None:
        extra["containers"] = containers
        extra["control_plane_binaries"] = find_control_plane(version) or ControlPlaneBinaries(Path("placement"),
                                                                                              Path("scheduler"))
        say("services: in containers (" + ", ".join(f"{k} {v}" for k, v in containers.images.items()) + ")")
    else:
        extra["control_plane_binaries"] = ensure_control_plane(version, progress=say, beside=found.path if found else None,
                                                               choice=control_plane, releases=releases)
    plane = extra["control_plane_binaries"]
    plane_info = {"placement": str(plane.placement), "scheduler": str(plane.scheduler), "origin": plane.origin}
    if containers is None:
        say(f"control plane: placement and scheduler {version}, {plane.origin}")
    if sidecar == "dapr" and cli is None:
        cli = ensure_cli(cli_version, found, progress=say, releases=releases)
        runtime = reported_versions(cli.path, cli.env())[1]
    if cli is not None:
        say(f"sidecar: dapr CLI {cli.version} ({cli.origin}: {cli.path}), runtime {runtime}")
        return (RunSettings(daprd=Path("daprd"), sidecar="dapr", dapr_cli=cli, runtime=runtime or version, **extra),
                {"sidecar": "dapr", "dapr_cli": str(cli.path), "cli_version": cli.version, "cli_origin": cli.origin,
                 "runtime_version": runtime, **({"daprd_source": found.record()} if found else {}),
                 "control_plane": plane_info})
    reported = binary_version(found.path)
    say(f"sidecar: daprd {reported or '?'}, {found.described}")
    return (RunSettings(daprd=found.path, runtime=reported or version, **extra),
            {"sidecar": "daprd", "daprd": str(found.path), "runtime_version": reported, "daprd_source": found.record(),
             "control_plane": plane_info})
