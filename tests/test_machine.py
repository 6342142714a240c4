"""The machine the jobs share: slots builds take turns on, turns on named ports, how loaded it was."""

import os
import subprocess
import sys
import threading
import time

import pytest

from runner.cache import locked, try_lock
from runner.services import machine
from runner.services.ports import PortTaken, port_turns
from runner.services.shimenv import ShimContext
from runner.services.controlplane import ControlPlaneAddresses
from runner.services.redis import RedisEndpoint


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QUICKSTART_RUNNER_CACHE", str(tmp_path / "cache"))


def test_build_slots_let_only_that_many_in_at_once():
    inside, most = [0], [0]
    lock = threading.Lock()

    def build():
        with machine.build_slot(1):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.2)
            with lock:
                inside[0] -= 1

    workers = [threading.Thread(target=build) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert most[0] == 1


def test_askers_get_the_slot_in_the_order_they_asked():
    """Not whoever polls first: a job that asked first is never passed over by later ones."""
    order = []
    holding = threading.Event()

    def first():
        with machine.build_slot(1):
            holding.set()
            time.sleep(1.0)

    def ask(name: str):
        with machine.build_slot(1):
            order.append(name)
            time.sleep(0.05)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    holding.wait(5)
    for name in "abcdef":
        threads.append(threading.Thread(target=ask, args=(name,)))
        threads[-1].start()
        time.sleep(0.05)  # each asks after the one before
    for thread in threads:
        thread.join(30)
    assert order == list("abcdef")


def test_the_ticket_of_an_asker_that_died_holds_nobody_up():
    killed = subprocess.Popen([sys.executable, "-c", (
        "import time; from runner.services import machine\n"
        "with machine.build_slot(1):\n    print('held', flush=True); time.sleep(60)\n")],
        stdout=subprocess.PIPE, text=True)
    assert killed.stdout.readline().strip() == "held"
    waiter = subprocess.Popen([sys.executable, "-c", (
        "from runner.services import machine\n"
        "with machine.build_slot(1):\n    pass\n")])  # queued behind it, then killed while it waits
    time.sleep(1.0)
    waiter.kill()
    waiter.wait()
    killed.kill()
    killed.wait()
    started = time.monotonic()
    with machine.build_slot(1):
        assert time.monotonic() - started < 2.0
    queue = machine._slot_dir() / "build-queue"
    assert not [path.name for path in queue.iterdir() if not path.name.startswith(".")]


def test_a_slot_held_by_another_process_is_waited_for_and_said():
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from runner.services import machine\n"
        "with machine.build_slot(1):\n    print('held', flush=True); time.sleep(1.0)\n")],
        stdout=subprocess.PIPE, text=True, env={**os.environ})
    assert holder.stdout.readline().strip() == "held"
    said = []
    started = time.monotonic()
    with machine.build_slot(1, on_wait=said.append):
        waited = time.monotonic() - started
    holder.wait(timeout=10)
    assert waited > 0.3 and said and "waiting for a build slot" in said[0]


def test_port_turns_are_machine_wide_and_named():
    port = 47000 + os.getpid() % 1000
    holder = subprocess.Popen([sys.executable, "-c", (
        "import time; from runner.services.ports import port_turns\n"
        f"with port_turns([{port}], 'tests/other'):\n    print('held', flush=True); time.sleep(1.0)\n")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    said = []
    started = time.monotonic()
    with port_turns([port], "this test", on_wait=said.append):
        waited = time.monotonic() - started
    holder.wait(timeout=10)
    assert waited > 0.3
    assert any(f"waiting for port {port}" in text and "tests/other" in text for text in said), said


def test_a_port_another_program_keeps_is_a_clear_error(monkeypatch):
    import socket

    from runner.services import ports

    monkeypatch.setattr(ports, "LET_GO_WITHIN_S", 0.5)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        said = []
        with pytest.raises(PortTaken, match=f"port {port}, which t names, is taken by another program") as taken:
            with port_turns([port], "t", on_wait=said.append):
                pass
        assert said == [f"waiting for port {port} to be let go"]
        assert f"(pid {os.getpid()}: " in str(taken.value)


def test_a_port_let_go_within_seconds_is_waited_for():
    """The turn's last holder may still be exiting: its port, freed a moment later, is used."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    threading.Timer(0.5, server.close).start()
    with port_turns([port], "t"):
        from runner.services.ports import port_free

        assert port_free(port)


def test_a_lock_leaves_no_file_and_try_lock_excludes(tmp_path):
    with locked(tmp_path / "thing"):
        assert (tmp_path / "thing.lock").exists()
    assert not (tmp_path / "thing.lock").exists()
    first = try_lock(tmp_path / "slot")
    assert first is not None and try_lock(tmp_path / "slot") is None
    first.close()
    assert try_lock(tmp_path / "slot") is not None


def test_load_note_only_when_saturated(monkeypatch):
    mark = machine.mark()
    monkeypatch.setattr(machine, "busy_since", lambda since: 0.2)
    assert machine.load_note(mark) == ""
    monkeypatch.setattr(machine, "busy_since", lambda since: 0.97)
    note = machine.load_note(mark)
    assert "saturated" in note and "97%" in note and "cores" in note


def test_defaults_follow_the_machine(monkeypatch):
    monkeypatch.setattr(machine, "cores", lambda: 2)
    monkeypatch.setattr(machine, "memory_gib", lambda: 24.0)
    assert machine.default_jobs() == 16 and machine.default_build_slots() == 1
    monkeypatch.setattr(machine, "memory_gib", lambda: 7.0)  # a hosted CI runner's: the memory bounds it
    assert machine.default_jobs() == 4
    monkeypatch.setattr(machine, "memory_gib", lambda: 2.0)
    assert machine.default_jobs() == 1


def test_shim_context_round_trips_through_the_environment(tmp_path):
    context = ShimContext(tmp_path, RedisEndpoint("127.0.0.1", 6399), tmp_path / "daprd",
                          ControlPlaneAddresses("127.0.0.1:1", "127.0.0.1:2"), None, named_ports=frozenset({5001, 80}))
    assert ShimContext.from_env(context.env()) == context
    assert context.in_readme_run and not ShimContext.from_env({}).in_readme_run


def test_no_free_port_is_one_a_pages_grep_takes_for_a_named_port(monkeypatch):
    """`lsof ... | grep :5001 | xargs kill` (actors/csharp/sdk's cleanup) also kills what listens
    on 50010-50019: a sidecar given 50017 for its metrics died by the page's hand, by chance."""
    from runner.services import ports

    handed = iter([50017, 5001, 50010, 45001, 41234])

    class Socket:
        def __init__(self, *args): self.port = next(handed)
        def __enter__(self): return self
        def __exit__(self, *exc): return False
        def bind(self, address): pass
        def getsockname(self): return ("127.0.0.1", self.port)

    monkeypatch.setattr(ports.socket, "socket", Socket)
    monkeypatch.setattr(ports, "_reserved", set())
    monkeypatch.setattr(ports, "_handed_out", set())
    ports.reserve(5001, 41)
    assert ports.free_port() == 45001  # digits that only end like it are no match for `grep :5001`
    assert ports.free_port() == 41234 and ports.reserved() == {5001, 41}  # 41: too short to shut out 41xxx


def test_what_a_jobs_shims_left_running_is_stopped_at_its_end(monkeypatch):
    """A shim writes down the groups it starts in the job's records (QSR_TRACK_DIR); one killed
    before it stopped its app (in a session of its own) leaves the record: the job's end stops it."""
    from runner.services.groups import TRACK_DIR_ENV, group_alive, job_records, track

    orphan = subprocess.Popen(["sleep", "60"], start_new_session=True)
    kept = subprocess.Popen(["sleep", "60"], start_new_session=True)  # written down nowhere: not ours to stop
    try:
        with job_records("state_management/python/sdk") as folder:
            monkeypatch.setenv(TRACK_DIR_ENV, str(folder))  # as the shim inherits it
            track(orphan.pid)
            assert list(folder.iterdir())
        orphan.wait(timeout=5)
        assert not group_alive(orphan.pid) and not folder.exists()
        assert kept.poll() is None
    finally:
        for process in (orphan, kept):
            process.kill()
            process.wait()
