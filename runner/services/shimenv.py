"""The contract between a README run and the shims its steps call (`dapr`, `docker`): what the
run hands them through the environment, written (`ShimContext.env`) and read
(`ShimContext.from_env`) here only, and the shim executables put first on the steps' PATH."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from runner.formats.compose import DAPR_INIT_REDIS
from runner.services.controlplane import ControlPlaneAddresses
from runner.services.redis import RedisEndpoint, parse_address
from runner.services.executable import write_executable

SHIMS = ("dapr", "docker")
DOCKER_SERVED = ("compose", "exec", "ps", "run", "stop", "start")  # what shim/docker.py serves (some images and names only)
COMPOSE_STARTED = " \u2714 Container {name}  Started"  # what `docker compose up` prints of a service it started
_REDIS, _RUN_DIR, _DAPRD = "QSR_REDIS", "QSR_RUN_DIR", "QSR_DAPRD"
_PLACEMENT, _SCHEDULER, _REAL_DAPR = "QSR_PLACEMENT", "QSR_SCHEDULER", "QSR_REAL_DAPR"
_DECLARED, _ZIPKIN = "QSR_DECLARED_ENV", "QSR_ZIPKIN"
_NAMED_PORTS = "QSR_NAMED_PORTS"  # ports the run's quickstarts name: the shims' free ports stay clear of them
_CALLED_FROM = "QSR_CALLED_FROM"  # README:LINE of the command a shim runs for
CLI_FORMAT = "QSR_CLI_FORMAT"  # the dapr CLI version whose output the shim prints (`--cli-version`)


@dataclass(frozen=True)
class DockerRun:
    """A `docker run` as the docker shim reads it."""

    image: str | None
    host_port: int | None  # the first `-p HOST:CONTAINER`'s host port
    detach: bool


def parse_docker_run(args: list[str]) -> DockerRun:
    args, detach, port, image = list(args), False, None, None
    while args:
        word = args.pop(0)
        if word in ("-d", "--detach"):
            detach = True
        elif word in ("-p", "--publish") and args:
            host = args.pop(0).split(":")
            port = port or (int(host[-2]) if len(host) >= 2 and host[-2].isdigit() else None)
        elif word in ("--name", "-e", "--env", "--network", "-v", "--volume") and args:
            args.pop(0)
        elif not word.startswith("-"):
            image = word
            break
    return DockerRun(image, port, detach)


def is_zipkin(image: str | None) -> bool:
    return image is not None and image.split(":")[0].rsplit("/", 1)[-1] == "zipkin"


def docker_unserved(words: tuple[str, ...] | list[str]) -> str | None:
    """Why the docker shim cannot serve a `docker ...` call (it needs Docker itself), or None."""
    sub, rest = (words[1] if len(words) > 1 else ""), list(words[2:])
    named = [word for word in rest if not word.startswith("-")]
    if sub not in DOCKER_SERVED or (sub == "run" and not is_zipkin(parse_docker_run(rest).image)) \
            or (sub in ("stop", "start") and named != [DAPR_INIT_REDIS]):
        return f"needs Docker: {' '.join(words)}"
    return None


def called_from(readme: Path, line: int) -> dict[str, str]:
    """What tells a shim where the command that called it is written: its error names that line."""
    return {_CALLED_FROM: f"{readme}:{line}"} if line else {}


def calling_line() -> str | None:
    return os.environ.get(_CALLED_FROM)


def with_declared(env: Mapping[str, str], declared: Mapping[str, str]) -> dict[str, str]:
    """`env` with what a step (or a page's `export`) sets; those names reach the apps even when
    they look like credentials (`SECRET_STORE`): the author gave them, the host did not."""
    names = set(filter(None, env.get(_DECLARED, "").split(","))) | set(declared)
    return {**env, **declared, _DECLARED: ",".join(sorted(names))}


def declared_names(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    return frozenset(filter(None, environ.get(_DECLARED, "").split(",")))


@dataclass(frozen=True)
class ShimContext:
    """What every shim call of one README run shares."""

    run_dir: Path | None = None  # name resolution, the services shims started, faults they saw
    redis: RedisEndpoint | None = None
    daprd: Path | None = None
    control_plane_addresses: ControlPlaneAddresses | None = None
    real_dapr: Path | None = None  # --sidecar dapr: the real CLI every `dapr` call is handed to
    zipkin: str | None = None  # the run's Zipkin span endpoint: sidecars trace to it, as after `dapr init`
    cli_format: str | None = None  # the dapr CLI version whose output `dapr run` prints (1.17 on: app lines bare)
    named_ports: frozenset[int] = frozenset()

    def env(self) -> dict[str, str]:
        values = {_RUN_DIR: self.run_dir, _REDIS: self.redis.address if self.redis else None, _DAPRD: self.daprd,
                  _REAL_DAPR: self.real_dapr, _ZIPKIN: self.zipkin, CLI_FORMAT: self.cli_format,
                  _NAMED_PORTS: ",".join(map(str, sorted(self.named_ports))) or None}
        if self.control_plane_addresses is not None:
            addresses = self.control_plane_addresses
            values.update({_PLACEMENT: addresses.placement, _SCHEDULER: addresses.scheduler})
        return {name: str(value) for name, value in values.items() if value is not None}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "ShimContext":
        path = lambda name: Path(environ[name]) if environ.get(name) else None  # noqa: E731
        plane = (ControlPlaneAddresses(environ[_PLACEMENT], environ[_SCHEDULER])
                 if environ.get(_PLACEMENT) and environ.get(_SCHEDULER) else None)
        return cls(path(_RUN_DIR), parse_address(environ[_REDIS]) if environ.get(_REDIS) else None, path(_DAPRD),
                   plane, path(_REAL_DAPR), environ.get(_ZIPKIN) or None, environ.get(CLI_FORMAT) or None,
                   frozenset(int(port) for port in environ.get(_NAMED_PORTS, "").split(",") if port.isdigit()))

    @property
    def in_readme_run(self) -> bool:
        return self.run_dir is not None and self.redis is not None


def write_shims(bin_dir: Path) -> list[Path]:
    """An executable per shim in `bin_dir`, each running the shims' package with this Python."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SHIMS:
        shim = bin_dir / name
        write_executable(shim, f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m runner.shim {name} \"$@\"\n")
        written.append(shim)
    return written
