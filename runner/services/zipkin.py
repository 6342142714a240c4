"""A Zipkin for one README run that reads traces, where `dapr init` would have started its
container: the real zipkin-server on the port the README calls it at, in-memory storage,
loopback only."""

from __future__ import annotations

import os
import re
import urllib.request
from pathlib import Path

from runner.formats.steps import Annotated
from runner.services.daemon import Daemon, DaemonService, ServiceError

ZIPKIN_PORT = 9411  # where `dapr init` publishes it, and where READMEs look
_ZIPKIN_URL = re.compile(rf"\b(?:localhost|127\.0\.0\.1):{ZIPKIN_PORT}\b")
# daprd's span exporter sends in batches every 5 s (OpenTelemetry's default): a span shows in
# Zipkin up to that long, and the POST's time, after its call.
SPAN_EXPORT_S = 6.0


def reads_zipkin(command: str) -> bool:
    return bool(_ZIPKIN_URL.search(command))


def reads_traces(readme: Annotated) -> bool:
    """Whether a step calls the Zipkin `dapr init` starts (`curl localhost:9411/api/v2/traces`)."""
    return any(reads_zipkin(command.text) for step in readme.steps for command in step.commands)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=0.5) as response:
            return response.status == 200
    except OSError:
        return False


class ZipkinServer(DaemonService):
    def __init__(self, workdir: Path, jar: Path, java: str, port: int = ZIPKIN_PORT):
        self.workdir, self.jar, self.java, self.port = workdir, jar, java, port

    def start(self, timeout: float = 60.0) -> str:
        """Its span endpoint, once it answers."""
        # A client VM and small stacks: it starts in about 4 s instead of 6 on two cores.
        argv = [self.java, "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx256m", "-jar", str(self.jar),
                f"--armeria.ports[0].port={self.port}", "--armeria.ports[0].ip=127.0.0.1",
                "--armeria.ports[0].protocols=http"]
        self.daemon = Daemon("zipkin", argv, self.workdir / "zipkin.log", env={**os.environ, "STORAGE_TYPE": "mem"})
        try:
            self.daemon.start(lambda: _healthy(self.port), timeout)
        except ServiceError as exc:
            raise ServiceError(f"zipkin-server did not start on port {self.port}: {exc}") from None
        return f"http://127.0.0.1:{self.port}/api/v2/spans"

