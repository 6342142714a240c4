"""A Redis for one job: our own redis-server on a free loopback port, or an existing one."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from runner.services.groups import stop_group, track, untrack
from runner.services.ports import free_port, release


class RedisError(RuntimeError):
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


def parse_address(text: str) -> RedisEndpoint:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--redis wants HOST:PORT, not {text!r}")
    return RedisEndpoint(host, int(port))


class RedisServer:
    """`redis-server` in its own process group, with no persistence, in `workdir`."""

    def __init__(self, workdir: Path, binary: str = "redis-server"):
        self.workdir = workdir
        self.binary = binary
        self.process: subprocess.Popen | None = None
        self.endpoint: RedisEndpoint | None = None

    def start(self, timeout: float = 10.0) -> RedisEndpoint:
        path = shutil.which(self.binary)
        if path is None:
            raise RedisError(f"{self.binary}: not found (install the redis-server package, or pass --redis HOST:PORT)")
        port = free_port()
        self.endpoint = RedisEndpoint("127.0.0.1", port)
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "redis.log", "wb")
        self.process = subprocess.Popen(
            [path, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--protected-mode", "yes"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()
        track(self.process.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ping(self.endpoint, timeout=0.2):
                return self.endpoint
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        tail = (self.workdir / "redis.log").read_text(errors="replace").strip().splitlines()[-1:]
        self.stop()
        raise RedisError(f"redis-server did not start on port {port}: {tail[0] if tail else 'no output'}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process.pid, self.process)
            untrack(self.process.pid)
            self.process = None
        if self.endpoint is not None:
            release(self.endpoint.port)
