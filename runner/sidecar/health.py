"""Whether a daprd answers its outbound health check: on its HTTP port, or on its HTTP socket
when `--unix-domain-socket` put its API there (as the CLI checks either)."""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request

_PATH = "/v1.0/healthz/outbound"


class _SocketConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def answers(http_port: int, socket_path: str | None = None, timeout: float = 0.5) -> bool:
    try:
        if socket_path is None:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}{_PATH}", timeout=timeout) as response:
                return response.status < 300
        connection = _SocketConnection(socket_path, timeout)
        try:
            connection.request("GET", _PATH)
            return connection.getresponse().status < 300
        finally:
            connection.close()
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return False
