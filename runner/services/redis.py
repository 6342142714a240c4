"""A Redis for one job: our own redis-server on a free loopback port, or an existing one."""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from runner.services.containers import Launcher, local
from runner.services.daemon import DaemonService, ServiceError, on_fresh_ports
from runner.services.ports import free_port, release


class RedisError(ServiceError):
    pass


@dataclass(frozen=True)
class RedisEndpoint:
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def ping(endpoint: RedisEndpoint, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def answering_redis(port: int) -> bool:
    """A Redis answers on this loopback port (one `dapr init` left, say)."""
    return ping(RedisEndpoint("127.0.0.1", port))


def command(endpoint: RedisEndpoint, *words: str, timeout: float = 5.0) -> bytes:
    """One Redis command (RESP, as redis-cli sends it); the server's first reply line."""
    request = f"*{len(words)}\r\n".encode() + b"".join(
        f"${len(word.encode())}\r\n".encode() + word.encode() + b"\r\n" for word in words)
    with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout) as sock:
        sock.sendall(request)
        return sock.makefile("rb").readline().rstrip(b"\r\n")


def parse_address(text: str) -> RedisEndpoint:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--redis wants HOST:PORT, not {text!r}")
    return RedisEndpoint(host, int(port))


class RedisServer(DaemonService):
    """`redis-server` in its own process group, with no persistence, in `workdir`."""

    def __init__(self, workdir: Path, binary: str = "redis-server", launch: Launcher = local, port: int | None = None):
        self.workdir = workdir
        self.binary = binary
        self.launch = launch  # as a process, or in a container
        self.port = port  # a port the job holds its turn on (6379); None: a free one
        self.endpoint: RedisEndpoint | None = None

    def start(self, timeout: float = 10.0) -> RedisEndpoint:
        path = shutil.which(self.binary) if self.launch is local else self.binary
        if path is None:
            raise RedisError(f"{self.binary}: not found (install the redis-server package, pass --redis HOST:PORT, "
                             "or run with --infra docker)")
        try:
            return self._start(path, timeout) if self.port else on_fresh_ports(lambda: self._start(path, timeout))
        except ServiceError as exc:
            raise RedisError(f"redis-server did not start on port {self.endpoint.port}: {exc}") from None

    def _start(self, path: str, timeout: float) -> RedisEndpoint:
        if self.endpoint is not None and not self.port:
            release(self.endpoint.port)  # a free port another program took first
        endpoint = self.endpoint = RedisEndpoint("127.0.0.1", self.port or free_port())
        self.daemon = self.launch("redis", [
            path, "--port", str(endpoint.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.workdir), "--protected-mode", "yes"], self.workdir / "redis.log", self.workdir)
        self.daemon.start(lambda: ping(endpoint, timeout=0.2), timeout)
        return endpoint

        if self.endpoint is not None:
            release(self.endpoint.port)
