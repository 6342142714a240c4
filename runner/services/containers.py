"""A job's services in containers, where a Docker engine answers (`--infra docker`): Redis,
placement and scheduler each a container of the job's own, started with the Docker SDK, on
the host's network (every listener stays on 127.0.0.1, on the free port the service is
given, as locally), labelled with the runner that owns it, removed when the service stops;
containers of a runner that was killed are removed by the next (`reap`).

A launcher is what a service (`redis.RedisServer`, `controlplane.ControlPlane`) starts its
program with: `local` runs it as a process, `Containers` in a container of the image named
for it, with the job's dir mounted at the same path so its command line is the same."""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from runner.services.daemon import Daemon, ServiceError, how_it_ended, telling_line
from runner.services.groups import check_interrupted, pid_alive

LABEL = "io.quickstart-runner.owner"  # the pid of the runner that started it
JOB_LABEL = "io.quickstart-runner.job"
# The images `dapr init` runs (Redis; placement and scheduler from the runtime image), and
# where each has its program.
DEFAULT_IMAGES = {"redis": "redis:6", "placement": "daprio/dapr:{version}", "scheduler": "daprio/dapr:{version}"}
PROGRAMS = {"redis": "redis-server", "placement": "/placement", "scheduler": "/scheduler"}
PULL_TIMEOUT_S = 120.0


class Launcher(Protocol):
    def __call__(self, service: str, argv: list[str], log: Path, workdir: Path) -> Daemon: ...


def local(service: str, argv: list[str], log: Path, workdir: Path) -> Daemon:
    return Daemon(argv[0].rsplit("/", 1)[-1], argv, log)


def engine():
    """A client of the Docker engine DOCKER_HOST (or the default socket) names, or None when
    none answers or the SDK is not installed."""
    try:
        import docker
    except ImportError:
        return None
    try:
        client = docker.from_env(timeout=10)
        client.ping()
        return client
    except Exception:  # noqa: BLE001 - docker raises many kinds when no engine answers
        return None


def images(version: str, overrides: dict[str, str]) -> dict[str, str]:
    return {service: overrides.get(service, name.format(version=version)) for service, name in DEFAULT_IMAGES.items()}


@dataclass(frozen=True)
class ContainerInfra:
    """What `--infra docker` runs services with: the images, by service."""

    images: dict[str, str] = field(default_factory=dict)

    def launcher(self, job: str) -> "Containers":
        client = engine()
        if client is None:
            raise ServiceError("no Docker engine answers (DOCKER_HOST, or /var/run/docker.sock)")
        return Containers(client, self.images, job)


class Containers:
    def __init__(self, client, images_by_service: dict[str, str], job: str):
        self.client = client
        self.images = images_by_service
        self.job = job

    def __call__(self, service: str, argv: list[str], log: Path, workdir: Path) -> "ContainerDaemon":
        return ContainerDaemon(self.client, service, self.images[service], [PROGRAMS[service], *argv[1:]], log,
                               workdir, self.job)


def _pull(client, image: str) -> None:
    """The image, pulled when missing; a failed or slow pull is one line naming it."""
    import docker

    try:
        client.images.get(image)
        return
    except docker.errors.ImageNotFound:
        pass
    failure: list[str] = []

    def pull() -> None:
        try:
            client.images.pull(image)
        except Exception as exc:  # noqa: BLE001
            failure.append(str(exc).splitlines()[0])

    puller = threading.Thread(target=pull, daemon=True)
    puller.start()
    deadline = time.monotonic() + PULL_TIMEOUT_S
    while puller.is_alive() and time.monotonic() < deadline:
        check_interrupted()  # Ctrl-C ends the wait, not only the pull's own end
        puller.join(0.2)
    if puller.is_alive():
        raise ServiceError(f"image {image}: not present, and pulling it took over {PULL_TIMEOUT_S:.0f}s")
    if failure:
        raise ServiceError(f"image {image}: not present, and the pull failed: {failure[0]}")


class ContainerDaemon:
    """A `Daemon` whose process runs in a container: same start, readiness, log and stop."""

    def __init__(self, client, service: str, image: str, argv: list[str], log: Path, workdir: Path, job: str):
        self.client = client
        self.name = service
        self.image = image
        self.argv = argv
        self.log = log
        self.workdir = workdir
        self.job = job
        self.container = None

    def start(self, ready: Callable[[], bool], timeout: float = 30.0) -> None:
        _pull(self.client, self.image)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.container = self.client.containers.run(
            self.image, self.argv, detach=True, network_mode="host",
            name=f"qsr-{self.name}-{uuid.uuid4().hex[:10]}",
            labels={LABEL: str(os.getpid()), JOB_LABEL: self.job},
            volumes={str(self.workdir): {"bind": str(self.workdir), "mode": "rw"}})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            check_interrupted()
            if ready():
                return
            if not self.alive():
                break
            time.sleep(0.05)
        tail = self.last_line()
        state = "exited" if not self.alive() else f"was not ready within {timeout:.0f}s"
        self.stop()
        raise ServiceError(f"{self.name} (container of {self.image}) {state}: {tail}")

    def last_line(self) -> str:
        try:
            return telling_line(self.container.logs(tail=50).decode(errors="replace") if self.container else "")
        except Exception:  # noqa: BLE001 - a container already gone has no logs
            return "no output"

    def alive(self) -> bool:
        if self.container is None:
            return False
        try:
            self.container.reload()
        except Exception:  # noqa: BLE001
            return False
        return self.container.status in ("created", "running")

    def problem(self) -> str | None:
        """Why it cannot serve the job any more (its container ended), or None."""
        if self.container is None or self.alive():
            return None
        code = (self.container.attrs.get("State") or {}).get("ExitCode")
        return f"{self.name} (container of {self.image}) {how_it_ended(code)} during the run: {self.last_line()}"

    def stop(self) -> None:
        if self.container is None:
            return
        container, self.container = self.container, None
        try:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            self.log.write_bytes(container.logs())
        except Exception:  # noqa: BLE001 - the logs are a courtesy
            pass
        try:
            container.remove(force=True)
        except Exception:  # noqa: BLE001 - already removed
            pass


def reap(client) -> int:
    """Remove the containers of runners that are gone (killed with SIGKILL); how many."""
    removed = 0
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        owner = container.labels.get(LABEL, "")
        if not owner.isdigit() or not pid_alive(int(owner)):
            container.remove(force=True)
            removed += 1
    return removed


def ours(client) -> list:
    """Every container a runner started that is still there."""
    return client.containers.list(all=True, filters={"label": LABEL})
