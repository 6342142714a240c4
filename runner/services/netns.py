"""A network of a job's own: a network namespace with its own loopback, so the ports a
quickstart names itself (an app on 6200 whatever happens) never meet another job's, and such
jobs need not take turns. slirp4netns gives it the way out (a `go run` or `mvn` that downloads,
a registry for `pip`), never into the host's loopback.

The job's thread enters the namespace (`setns` moves one thread): every process it starts, every
thread it makes and every probe it sends is then in the job's network; the runner's other
threads stay where they were. Made where the runner may (CAP_SYS_ADMIN, `unshare` and
`slirp4netns` here, a resolver off loopback); elsewhere jobs take turns on the ports they name.

Not root, the runner starts again in a user namespace of its own (`unshare --user --keep-caps`:
the same user, with the capabilities over namespaces it makes) where the kernel allows one. There
a job's thread can enter its network but not come back to the host's (owned by the host's user
namespace): such a job runs on a thread of its own, which ends with it."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from runner.services.daemon import Daemon, ServiceError
from runner.services.groups import tracked_tempdir

CLONE_NEWNET = 0x40000000
NETNS_START_S = 10.0
CAP_SYS_ADMIN = 21
NS_GET_USERNS = 0xB701  # ioctl: the user namespace that owns a namespace
IN_USER_NAMESPACE = "QSR_USER_NAMESPACE"  # set in the runner started again in a user namespace of its own


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


def _capable(status: Path = Path("/proc/self/status")) -> bool:
    """Whether this process holds CAP_SYS_ADMIN (in its own user namespace)."""
    for line in status.read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> CAP_SYS_ADMIN & 1)
    return False


def _tried(argv: list[str]) -> str | None:
    """Why `argv` (a namespace made and left) failed, or None."""
    tried = subprocess.run(argv, capture_output=True, text=True)
    if tried.returncode == 0:
        return None
    return f"{argv[0]} refused: {(tried.stderr.strip().splitlines() or ['exit ' + str(tried.returncode)])[-1]}"


def _missing() -> str | None:
    """What the host lacks for any network of a job's own, whoever the runner is."""
    for tool, package in (("unshare", "util-linux"), ("slirp4netns", "slirp4netns")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: apt-get install {package})"
    if loopback := _loopback_resolvers():
        return f"the resolver {loopback[0]} (/etc/resolv.conf) is on loopback, out of a namespace's reach"
    return None


def _user_namespace() -> list[str]:
    return ["unshare", "--user", f"--map-user={os.getuid()}", f"--map-group={os.getgid()}", "--keep-caps", "--"]


@functools.cache
def _user_namespace_refused() -> str | None:
    """Why a user namespace of the runner's own cannot make a network namespace here, or None."""
    return _tried([*_user_namespace(), "unshare", "--net", "--", "true"])


@functools.cache
def unavailable() -> str | None:
    """Why no job can have a network of its own here, or None when they can."""
    if not _capable():
        return "not root (a network namespace needs CAP_SYS_ADMIN), and no user namespace gives it here" + (
            f": {why}" if (why := _missing() or _user_namespace_refused()) else "")
    return _missing() or _tried(["unshare", "--net", "--", "true"])


def in_user_namespace_argv(argv: list[str]) -> list[str] | None:
    """The command that runs the runner again with `argv` in a user namespace of its own, where
    jobs may have networks of their own though it is not root; None where that is not needed
    or cannot be."""
    if _capable() or os.environ.get(IN_USER_NAMESPACE) or _missing():
        return None
    if _user_namespace_refused():
        return None
    return [*_user_namespace(), sys.executable, "-m", "runner", *argv]


@functools.cache
def returns_home() -> bool:
    """Whether a thread that entered a job's network can come back to the host's: only when the
    host's network belongs to this process's own user namespace (root on the host, or in a
    container of its own), not to the one above it (a user namespace the runner made)."""
    try:
        network = os.open("/proc/self/ns/net", os.O_RDONLY)
        try:
            owner = fcntl.ioctl(network, NS_GET_USERNS)
        finally:
            os.close(network)
        try:
            return os.fstat(owner).st_ino == os.stat("/proc/self/ns/user").st_ino
        finally:
            os.close(owner)
    except PermissionError:  # owned above this process's user namespace: out of its reach
        return False
    except OSError:  # a kernel without the call: as the runner started
        return not os.environ.get(IN_USER_NAMESPACE)


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
                    if returns_home():  # else the thread, its job done, ends in the job's network
                        _setns(back)
            finally:
                os.close(back)
        finally:
            if outside is not None:
                outside.stop()
            holder.stop()
