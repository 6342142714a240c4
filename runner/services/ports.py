"""Free loopback ports, never handed out twice by one runner process."""

from __future__ import annotations

import socket
import threading

_lock = threading.Lock()
_handed_out: set[int] = set()
_reserved: set[int] = set()


def free_port() -> int:
    with _lock:
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            if port not in _handed_out and port not in _reserved:
                _handed_out.add(port)
                return port
    raise RuntimeError("no free loopback port found")


def reserve(*ports: int) -> None:
    """Ports a quickstart names itself: never handed out as free ones by this runner."""
    with _lock:
        _reserved.update(ports)


def release(*ports: int) -> None:
    with _lock:
        _handed_out.difference_update(ports)


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0
