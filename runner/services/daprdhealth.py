"""What a daprd's health checks say: whether it answers its outbound check (up enough for its app
to call it), on its HTTP port or on its HTTP socket when `--unix-domain-socket` put its API there
(as the CLI checks either); and whether it is initialized (`/v1.0/healthz`: 500 until it has its
app's configuration, components and the rest, then 204)."""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request

_OUTBOUND, _INITIALIZED = "/v1.0/healthz/outbound", "/v1.0/healthz"


class _SocketConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def answers(http_port: int, socket_path: str | None = None, timeout: float = 0.5, path: str = _OUTBOUND) -> bool:
    try:
        if socket_path is None:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}{path}", timeout=timeout) as response:
                return response.status < 300
        connection = _SocketConnection(socket_path, timeout)
        try:
            connection.request("GET", path)
            return connection.getresponse().status < 300
        finally:
            connection.close()
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return False


def initialized(http_port: int) -> bool:
    return answers(http_port, path=_INITIALIZED)
