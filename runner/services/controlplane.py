"""The Dapr control plane for one job, as `dapr init` gives a maintainer: the real placement
(actors, workflows) and scheduler (jobs, workflows, actor reminders) services, built with
daprd from the same dapr module, each on free loopback ports, the scheduler's embedded etcd
in the job's temp dir. Every daprd of the job is pointed at them."""

from __future__ import annotations

import functools
import re
import subprocess
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from runner.services.containers import Launcher, local
from runner.services.daemon import Daemon, on_fresh_ports
from runner.services.ports import free_port, is_listening, release
from runner.services.together import together


@dataclass(frozen=True)
class ControlPlaneBinaries:
    """The programs: placement and scheduler of the runtime's release (official, or our build)."""

    placement: Path
    scheduler: Path
    origin: str = ""  # where they come from, as reports say it (`installed (~/.dapr/bin)`, `built (...)`)


@functools.lru_cache(maxsize=None)
def _accepted(binary: str, _mtime: int) -> frozenset[str]:
    """The flags a placement or scheduler accepts, as its `--help` lists them (an unknown flag makes
    it exit, and each release has its own)."""
    try:
        done = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(re.findall(r"(?m)^\s+(?:-\w, )?--([a-z0-9][A-Za-z0-9-]*)", done.stdout + done.stderr))


def accepted_flags(binary: Path) -> frozenset[str]:
    path = Path(binary)
    return _accepted(str(path), path.stat().st_mtime_ns if path.is_file() else 0)


def loopback_flags(binary: Path, metrics_port: int) -> list[str]:
    """What keeps a release's own listeners on loopback, of the flags it accepts: its metrics on
    127.0.0.1 at a port of ours (or none where it cannot say where), its healthz asked for loopback."""
    accepted = accepted_flags(binary)
    flags = []
    if "metrics-listen-address" in accepted:
        flags += ["--metrics-port", str(metrics_port), "--metrics-listen-address", "127.0.0.1"]
    elif "enable-metrics" in accepted:
        flags.append("--enable-metrics=false")
    if "healthz-listen-address" in accepted:
        flags += ["--healthz-listen-address", "127.0.0.1"]
    return flags


@dataclass(frozen=True)
class ControlPlaneAddresses:
    placement: str  # host:port, as daprd's --placement-host-address takes it
    scheduler: str  # host:port, as daprd's --scheduler-host-address takes it


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=0.5) as response:
            return response.status < 300
    except (urllib.error.URLError, OSError):
        return False


class ControlPlane:
    """The two services running, for one job."""

    def __init__(self, binaries: ControlPlaneBinaries, workdir: Path, launch: Launcher = local):
        self.binaries = {"placement": binaries.placement, "scheduler": binaries.scheduler}
        self.workdir = workdir
        self.launch = launch  # as processes, or in containers
        self.daemons: list[Daemon] = []
        self.ports: list[int] = []
        self._lock = threading.Lock()

    def _port(self) -> int:
        port = free_port()
        self.ports.append(port)
        return port

    def start(self, timeout: float = 60.0, placement: int | None = None,
              scheduler: int | None = None) -> ControlPlaneAddresses:
        """Start both at once; `placement`/`scheduler` name their gRPC ports (else free ones)."""
        return on_fresh_ports(lambda: self._start(timeout, placement, scheduler))

    def _start(self, timeout: float, placement: int | None, scheduler: int | None) -> ControlPlaneAddresses:
        self.stop()  # what an attempt on a taken port started
        self.daemons, self.ports = [], []
        placement, placement_health, raft = placement or self._port(), self._port(), self._port()
        scheduler = scheduler or self._port()
        scheduler_health, etcd_client, etcd_peer = self._port(), self._port(), self._port()
        together(lambda: self._daemon("placement", [
            "--id", "dapr-placement-0", "--port", str(placement), "--listen-address", "127.0.0.1",
            "--healthz-port", str(placement_health), "--initial-cluster", f"dapr-placement-0=127.0.0.1:{raft}",
            "--log-level", "warn", *loopback_flags(self.binaries["placement"], self._port()),
        ], placement_health, placement, timeout), lambda: self._daemon("scheduler", [
            "--id", "dapr-scheduler-server-0", "--port", str(scheduler), "--listen-address", "127.0.0.1",
            "--healthz-port", str(scheduler_health), "--override-broadcast-host-port", f"127.0.0.1:{scheduler}",
            "--etcd-data-dir", str(self.workdir / "etcd"), "--etcd-client-port", str(etcd_client),
            "--etcd-client-listen-address", "127.0.0.1",
            "--etcd-initial-cluster", f"dapr-scheduler-server-0=http://127.0.0.1:{etcd_peer}",
            "--identity-directory-write", str(self.workdir / "identity"), "--log-level", "warn",
            *loopback_flags(self.binaries["scheduler"], self._port()),
        ], scheduler_health, scheduler, timeout))
        return ControlPlaneAddresses(f"127.0.0.1:{placement}", f"127.0.0.1:{scheduler}")

    def _daemon(self, name: str, args: list[str], health_port: int, port: int, timeout: float) -> None:
        """Start one service; ready once its /healthz says so and its gRPC port takes connections."""
        daemon = self.launch(name, [str(self.binaries[name]), *args], self.workdir / f"{name}.log", self.workdir)
        with self._lock:
            self.daemons.append(daemon)
        daemon.start(lambda: _healthy(health_port) and is_listening(port), timeout)

    def problem(self) -> str | None:
        """Why the control plane cannot serve the job any more (a service died), or None."""
        return next(filter(None, (daemon.problem() for daemon in self.daemons)), None)

    def stop(self) -> None:
        together(*(daemon.stop for daemon in reversed(self.daemons)))
        release(*self.ports)
