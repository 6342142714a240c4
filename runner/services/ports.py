"""Free loopback ports, never handed out twice by one runner process; and turns on the ports a
quickstart names itself, which every process of the machine takes one after another."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from runner.cache import try_lock
from runner.errors import JobError
from runner.services.groups import check_interrupted, command_line

_lock = threading.Lock()
_handed_out: set[int] = set()
_reserved: set[int] = set()


def free_port() -> int:
    with _lock:
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            if port not in _handed_out and not _named_or_alike(port):
                _handed_out.add(port)
                return port
    raise RuntimeError("no free loopback port found")


def _named_or_alike(port: int) -> bool:
    """A port a quickstart names, or one its page's `lsof ... | grep :5001` cleanup takes for it
    (50010-50019): a sidecar's free port there would be killed by the page, by chance."""
    # Four digits at least: a short one (`:80`) would shut out whole thousands of ports.
    return port in _reserved or any(str(port).startswith(str(named)) for named in _reserved if named >= 1000)


def reserve(*ports: int) -> None:
    """Ports a quickstart names itself: never handed out as free ones by this runner, nor any
    port whose digits begin with one of them."""
    with _lock:
        _reserved.update(ports)


def reserved() -> frozenset[int]:
    with _lock:
        return frozenset(_reserved)


def release(*ports: int) -> None:
    with _lock:
        _handed_out.difference_update(ports)


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def _turns_dir() -> Path:
    # Machine-wide whatever cache a process uses: ports are the machine's.
    return Path("/tmp") / "quickstart-runner-locks"


@contextlib.contextmanager
def port_turns(ports: Iterable[int], holder: str, on_wait: Callable[[str], None] = lambda text: None,
               reusable: Callable[[int], bool] = lambda port: False) -> Iterator[set[int]]:
    """Hold the machine-wide turn on each of `ports` while the block runs: every process that
    names one of them (jobs, docs tabs, pytest tests on other xdist workers) waits for it. Taken
    in ascending order, so two holders never wait on each other. A port that some other program
    (not a runner taking turns) still holds after a few seconds is an error, waiting longer would
    not free it; unless it is `reusable` (a Redis already answering where `dapr init` puts one,
    which the quickstart's own app reaches): those ports are what the block is given."""
    wanted = sorted(set(ports))
    handles = []
    try:
        for port in wanted:
            handles.append(_take_turn(port, holder, on_wait))
        kept = {port for port in wanted if not port_free(port) and reusable(port)}
        taken = _still_taken([port for port in wanted if port not in kept], on_wait)
        if taken:
            raise PortTaken(f"port {taken[0]}, which {holder} names, is taken by another program"
                            + (f" ({who})" if (who := listener(taken[0])) else ""))
        yield kept
    finally:
        for handle in handles:
            handle.close()


LET_GO_WITHIN_S = 10.0  # the turn's last holder may still be exiting: its app shutting down


def _still_taken(ports: list[int], on_wait: Callable[[str], None], within: float = LET_GO_WITHIN_S) -> list[int]:
    """Of `ports`, those still taken once `within` seconds passed (each let go is waited for)."""
    deadline, said = time.monotonic() + within, False
    while (taken := [port for port in ports if not port_free(port)]) and time.monotonic() < deadline:
        if not said:
            on_wait(f"waiting for port {taken[0]} to be let go")
            said = True
        check_interrupted()
        time.sleep(0.2)
    return taken


def wait_let_go(ports: Iterable[int], on_wait: Callable[[str], None] = lambda text: None) -> list[int]:
    """Wait a bounded while for named ports another process still holds (a previous run's daprd
    going away); those still taken then."""
    return _still_taken(sorted(set(ports)), on_wait)


def listener(port: int) -> str | None:
    """Which process listens on `port` (`pid 123: python3 app.py`), as far as /proc tells."""
    inodes = set()
    for table in ("/proc/thread-self/net/tcp", "/proc/thread-self/net/tcp6"):  # the calling thread's network
        with contextlib.suppress(OSError):
            for row in Path(table).read_text().splitlines()[1:]:
                fields = row.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                    inodes.add(f"socket:[{fields[9]}]")
    for proc in Path("/proc").iterdir() if inodes else ():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                return f"pid {proc.name}: {(command_line(int(proc.name)) or '')[:120]}"
    return None


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a listener could take `port` now (connections lingering in TIME_WAIT aside)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _take_turn(port: int, holder: str, on_wait: Callable[[str], None]):
    path = _turns_dir() / f"port-{port}"
    _turns_dir().mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    told = False
    while (handle := try_lock(path)) is None:
        if not told:
            on_wait(f"waiting for port {port}, named by {_holder(path)} too")
            told = True
        check_interrupted()
        time.sleep(0.1)
    if told:
        on_wait(f"port {port} is ours now (waited {time.monotonic() - started:.1f}s)")
    handle.truncate(0)
    handle.write(f"{holder} (pid {os.getpid()})\n")
    handle.flush()
    return handle


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "another process"
    except OSError:
        return "another process"


class PortTaken(JobError):
    pass
