"""A network of a job's own: its own loopback for the thread that asked and all it starts, the
outside still reached, the thread back home and nothing left running afterwards."""

import os
import socket
import subprocess
import threading

import pytest

from conftest import descendants
from runner.services import netns


def test_loopback_resolvers_are_the_ones_a_namespace_cannot_reach(tmp_path):
    conf = tmp_path / "resolv.conf"
    conf.write_text("# systemd-resolved\nnameserver 127.0.0.53\nnameserver 10.0.0.2\noptions edns0\n")
    assert netns._loopback_resolvers(conf) == ["127.0.0.53"]
    conf.write_text("nameserver 10.255.255.53\n")
    assert netns._loopback_resolvers(conf) == []
    assert netns._loopback_resolvers(tmp_path / "missing") == []


@pytest.mark.skipif(netns.unavailable() is not None, reason=f"no network namespaces here: {netns.unavailable()}")
def test_the_thread_and_what_it_starts_are_in_the_network_and_come_back():
    home = os.readlink("/proc/thread-self/ns/net")
    with socket.socket() as host_side:
        host_side.bind(("127.0.0.1", 0))
        host_side.listen()
        port = host_side.getsockname()[1]
        seen = {}

        def job() -> None:
            with netns.own_network():
                seen["thread"] = os.readlink("/proc/thread-self/ns/net")
                seen["child"] = subprocess.run(["readlink", "/proc/self/ns/net"], capture_output=True,
                                               text=True).stdout.strip()
                with socket.socket() as mine:
                    mine.bind(("127.0.0.1", port))  # taken on the host's loopback, free on the job's
                    seen["bound"] = True
                seen["holders"] = _holders()
            seen["after"] = os.readlink("/proc/thread-self/ns/net")

        worker = threading.Thread(target=job)
        worker.start()
        worker.join()
    assert seen["thread"] != home and seen["child"] == seen["thread"] and seen["bound"]
    assert seen["after"] == home and os.readlink("/proc/thread-self/ns/net") == home
    assert len(seen["holders"]) == 2, seen["holders"]  # unshare's sleep and slirp4netns, while it lasted
    assert not set(seen["holders"]) & set(_holders()), "stopped with the block"


def _holders() -> list[int]:
    """What makes a network below this process: unshare's `sleep infinity` and slirp4netns."""
    return sorted(pid for pid, cmd in descendants(os.getpid()).items()
                  if cmd.startswith("slirp4netns") or cmd == "sleep infinity")


def test_capability_is_read_from_the_effective_set(tmp_path):
    status = tmp_path / "status"
    status.write_text("Name:\tpython\nCapInh:\t0000000000000000\nCapEff:\t0000000000200000\n")
    assert netns._capable(status)  # bit 21: CAP_SYS_ADMIN
    status.write_text("Name:\tpython\nCapEff:\t00000000001fffff\n")
    assert not netns._capable(status)


def test_a_runner_that_may_make_namespaces_is_not_started_again():
    if not netns._capable():
        pytest.skip("this test runs where the runner holds CAP_SYS_ADMIN")
    assert netns.in_user_namespace_argv(["validate"]) is None
