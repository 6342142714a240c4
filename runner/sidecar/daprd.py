"""daprd driven directly: free loopback ports, a per-job configuration, readiness by health check."""

from __future__ import annotations

import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from runner.infra.ports import free_port, is_listening, release
from runner.procs import stop_group, track, untrack

# Names resolve through a sqlite file per run: nothing is multicast, and every daprd of
# one multi-app run finds the others.
_CONFIG = """apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: quickstart-runner
spec:
  nameResolution:
    component: sqlite
    configuration:
      connectionString: "{db}"
"""


class SidecarError(RuntimeError):
    pass


@dataclass(frozen=True)
class SidecarPorts:
    http: int
    grpc: int
    metrics: int
    internal_grpc: int

    @classmethod
    def allocate(cls, http: int | None = None, grpc: int | None = None) -> "SidecarPorts":
        return cls(http or free_port(), grpc or free_port(), free_port(), free_port())


def write_config(workdir: Path) -> Path:
    path = workdir / "dapr-config.yaml"
    if not path.exists():
        path.write_text(_CONFIG.format(db=workdir / "nameresolution.db"))
    return path


class DaprdSidecar:
    def __init__(self, binary: Path, app_id: str, resources: list[Path], workdir: Path,
                 ports: SidecarPorts, on_line: Callable[[str], None], app_port: int | None = None,
                 app_protocol: str | None = None, log_level: str = "info"):
        self.binary = binary
        self.app_id = app_id
        self.resources = resources
        self.workdir = workdir
        self.ports = ports
        self.on_line = on_line
        self.app_port = app_port
        self.app_protocol = app_protocol
        self.log_level = log_level
        self.process: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self.tail: list[str] = []

    def argv(self) -> list[str]:
        argv = [
            str(self.binary), "--app-id", self.app_id, "--mode", "standalone",
            "--dapr-http-port", str(self.ports.http), "--dapr-grpc-port", str(self.ports.grpc),
            "--metrics-port", str(self.ports.metrics), "--metrics-listen-address", "127.0.0.1",
            "--dapr-internal-grpc-port", str(self.ports.internal_grpc),
            "--dapr-internal-grpc-listen-address", "127.0.0.1", "--dapr-listen-addresses", "127.0.0.1",
            "--config", str(write_config(self.workdir)), "--log-level", self.log_level,
        ]
        for path in self.resources:
            argv += ["--resources-path", str(path)]
        if self.app_port:
            argv += ["--app-port", str(self.app_port), "--app-channel-address", "127.0.0.1"]
        if self.app_protocol:
            argv += ["--app-protocol", self.app_protocol]
        return argv

    def _pump(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.tail = (self.tail + [line])[-20:]
            self.on_line(line)

    def start(self, timeout: float = 30.0) -> None:
        for name, port in (("HTTP", self.ports.http), ("gRPC", self.ports.grpc)):
            if is_listening(port):
                raise SidecarError(f"the dapr {name} port {port} wanted for {self.app_id} is taken by another process")
        self.process = subprocess.Popen(
            self.argv(), cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        track(self.process.pid)
        self._reader = threading.Thread(target=self._pump, name=f"daprd-{self.app_id}", daemon=True)
        self._reader.start()
        url = f"http://127.0.0.1:{self.ports.http}/v1.0/healthz/outbound"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._reader.join(timeout=2)
                raise SidecarError(f"daprd exited with code {self.process.returncode} before it was ready: {self.fatal_line()}")
            try:
                with urllib.request.urlopen(url, timeout=0.5) as response:
                    if response.status < 300:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.02)
        raise SidecarError(f"daprd was not ready within {timeout:.0f}s: {self.fatal_line()}")

    def fatal_line(self) -> str:
        """What daprd's log says went wrong: the message of its last fatal (else error) line."""
        for level in ("fatal", "error"):
            for line in reversed(self.tail):
                if f"level={level}" in line:
                    message = re.search(r'msg="((?:[^"\\]|\\.)*)"', line)
                    return message.group(1).replace('\\"', '"') if message else line
        return self.tail[-1] if self.tail else "no output"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> int | None:
        code = None
        if self.process is not None:
            code = stop_group(self.process.pid, self.process)
            untrack(self.process.pid)
            if self._reader is not None:
                self._reader.join(timeout=5)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        release(self.ports.http, self.ports.grpc, self.ports.metrics, self.ports.internal_grpc)
        return code
