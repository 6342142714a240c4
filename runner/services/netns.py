"""A network of a job's own: a network namespace with its own loopback, so the ports a
quickstart names itself (an app on 6200 whatever happens) never meet another job's, and such
jobs need not take turns. slirp4netns gives it the way out (a `go run` or `mvn` that downloads,
a registry for `pip`), never into the host's loopback.

The job's thread enters the namespace (`setns` moves one thread): every process it starts, every
thread it makes and every probe it sends is then in the job's network; the runner's other
threads stay where they were. Made where the runner may (root, `unshare` and `slirp4netns` here,
a resolver off loopback); elsewhere jobs take turns on the ports they name."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from runner.services.daemon import Daemon, ServiceError
from runner.services.groups import tracked_tempdir

CLONE_NEWNET = 0x40000000
NETNS_START_S = 10.0


def _netns(pid: int | str = "thread-self") -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


def _loopback_resolvers(resolv_conf: Path = Path("/etc/resolv.conf")) -> list[str]:
    """Nameservers on loopback (systemd-resolved's 127.0.0.53): unreachable from a network of its own."""
    try:
        lines = resolv_conf.read_text().splitlines()
    except OSError:
        return []
    servers = [line.split()[1] for line in lines if line.startswith("nameserver") and len(line.split()) > 1]
    return [server for server in servers if server.startswith("127.") or server == "::1"]


@functools.cache
def unavailable() -> str | None:
    """Why no job can have a network of its own here, or None when they can."""
    if os.geteuid() != 0:
        return "not root (a network namespace needs CAP_SYS_ADMIN)"
    for tool, package in (("unshare", "util-linux"), ("slirp4netns", "slirp4netns")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: apt-get install {package})"
    if loopback := _loopback_resolvers():
        return f"the resolver {loopback[0]} (/etc/resolv.conf) is on loopback, out of a namespace's reach"
    tried = subprocess.run(["unshare", "--net", "--", "true"], capture_output=True, text=True)
    if tried.returncode != 0:
        return f"unshare --net refused: {(tried.stderr.strip().splitlines() or ['exit ' + str(tried.returncode)])[-1]}"
    return None


def _setns(fd: int) -> None:
    if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
        raise ServiceError(f"could not enter a network namespace: {os.strerror(ctypes.get_errno())}")


def _has_default_route(pid: int) -> bool:
    try:
        rows = Path(f"/proc/{pid}/net/route").read_text().splitlines()[1:]
    except OSError:
        return False
    return any(row.split()[1] == "00000000" for row in rows if len(row.split()) > 1)


@contextlib.contextmanager
def own_network() -> Iterator[None]:
    """The calling thread, and all it starts meanwhile, in a new network namespace: loopback up,
    the outside reached through slirp4netns. Everything is gone afterwards, the thread back home."""
    home = _netns()
    with tracked_tempdir("qsr-net-") as folder:
        holder = Daemon("network namespace", ["unshare", "--net", "--", "sleep", "infinity"], folder / "unshare.log")
        outside = None
        try:
            holder.start(lambda: _netns(holder.process.pid) != home, NETNS_START_S)
            pid = holder.process.pid
            # slirp4netns runs out here (its sockets are the host's) and brings up the namespace's lo and tap0.
            outside = Daemon("slirp4netns", ["slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback",
                                             str(pid), "tap0"], folder / "slirp4netns.log")
            outside.start(lambda: _has_default_route(pid), NETNS_START_S)
            back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
            try:
                target = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
                try:
                    _setns(target)
                finally:
                    os.close(target)
                try:
                    yield
                finally:
                    _setns(back)
            finally:
                os.close(back)
        finally:
            if outside is not None:
                outside.stop()
            holder.stop()
