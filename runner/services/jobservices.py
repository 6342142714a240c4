"""Everything a job starts besides its apps and sidecars, started in one place: its Redis (or
an existing one), its placement and scheduler (or the addresses of running ones), and a
PostgreSQL per compose service it asks for, a Zipkin if its README reads traces; all at once, each on free loopback ports in the
job's dir, stopped by `stop` (in the job's ExitStack), and watched: `problem()` names the first that died.
`begin` starts them in the background, so they come up while the job prepares its apps."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from runner.formats.compose import ComposeService
from runner.services.containers import Launcher, local
from runner.services.controlplane import ControlPlane, ControlPlaneAddresses, ControlPlaneBinaries
from runner.services.postgres import PostgresServer, PostgresSpec
from runner.services.redis import RedisEndpoint, RedisServer
from runner.services.groups import current_run, working_for
from runner.services.together import together
from runner.services.zipkin import ZipkinServer


@dataclass(frozen=True)
class ServiceWants:
    """What a job needs started (None: given, or not needed)."""

    redis: RedisEndpoint | None = None  # an existing Redis; None: start one
    control_plane_binaries: ControlPlaneBinaries | None = None  # start these; None: use the addresses
    control_plane_addresses: ControlPlaneAddresses | None = None  # placement and scheduler already running
    compose: tuple[ComposeService, ...] = ()  # PostgreSQL services of a compose file
    zipkin: tuple[Path, str, int] | None = None  # (jar, java, port): a Zipkin where `dapr init` puts one
    redis_port: int | None = None  # the port its Redis must listen on (the job holds its turn); None: a free one


@dataclass(frozen=True)
class Started:
    redis: RedisEndpoint
    control_plane_addresses: ControlPlaneAddresses | None
    postgres: tuple[str, int] | None  # where the last PostgreSQL listens (host, port)
    zipkin: str | None = None  # its span endpoint


class JobServices:
    def __init__(self, workdir: Path, launch: Launcher = local):
        self.workdir = workdir
        self.launch = launch  # as processes, or in containers
        self.watched: list = []  # each with problem(): the services this job started
        self._starting: threading.Thread | None = None
        self._outcome: list = []  # Started, or the exception its start raised

    def start(self, wants: ServiceWants) -> Started:
        """Start what `wants` asks for, all at once (the caller has `stop` in its ExitStack)."""
        redis = RedisServer(self.workdir / "redis", launch=self.launch, port=wants.redis_port) if wants.redis is None else None
        plane = (ControlPlane(wants.control_plane_binaries, self.workdir / "control-plane", self.launch)
                 if wants.control_plane_addresses is None and wants.control_plane_binaries is not None else None)
        databases = [PostgresServer(self.workdir / "services" / service.container_name, PostgresSpec.of(service))
                     for service in wants.compose]
        zipkin = ZipkinServer(self.workdir / "zipkin", *wants.zipkin) if wants.zipkin else None
        self.watched = [service for service in (redis, plane, zipkin, *databases) if service is not None]
        endpoint, addresses, spans, *_ = together(redis.start if redis else lambda: wants.redis,
                                                  plane.start if plane else lambda: wants.control_plane_addresses,
                                                  zipkin.start if zipkin else lambda: None,
                                                  *(database.start for database in databases))
        postgres = None
        for database in databases:  # where the last listens (components are pointed there)
            postgres = (database.endpoint.host, database.endpoint.port)
        return Started(endpoint, addresses, postgres, spans)

    def begin(self, wants: ServiceWants) -> None:
        """Start them in the background (while the job prepares its apps); `ready()` waits."""
        owner = current_run()

        def start() -> None:
            try:
                with working_for(owner):
                    self._outcome.append(self.start(wants))
            except BaseException as exc:  # noqa: BLE001 - raised again by ready(), on the job's thread
                self._outcome.append(exc)

        self._starting = threading.Thread(target=start, name="services", daemon=True)
        self._starting.start()

    def ready(self) -> Started:
        assert self._starting is not None
        self._starting.join()
        outcome = self._outcome[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def problem(self, excused: Callable[[object], bool] = lambda service: False) -> str | None:
        """Why the job cannot go on (a service of its own died, unless `excused`), or None."""
        return next(filter(None, (service.problem() for service in self.watched if not excused(service))), None)

    def stop(self) -> None:
        if self._starting is not None:
            self._starting.join()  # a start under way ends (or fails) before anything is stopped
        together(*(service.stop for service in reversed(self.watched)))  # none waits on another's end
        self.watched = []
