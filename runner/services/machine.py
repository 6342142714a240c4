"""The machine the jobs share: how many of them it holds at once, how busy its CPUs were over a
stretch of time, and the machine-wide slots builds take turns on.

A slot is an exclusive lock on one of N files under the cache (flock), so every process of the
machine honours it (parallel runs, pytest-xdist workers, README steps' shims); the kernel drops
a lock with the process that held it, so a killed run never leaves a slot taken. Askers wait
their turn in the order they asked: each holds a locked ticket in a queue folder while it waits.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ContextManager, Iterator

from runner.cache import cache_root, try_lock
from runner.services.groups import check_interrupted
from runner.services.timeline import SLOT, TURN, current

JOB_MEMORY_GIB = 1.5  # what one job may take (a JVM app, its daprd, Redis, placement, scheduler)
BUSY = 0.85  # CPU share over which a stretch of time counts as saturated


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def memory_gib() -> float | None:
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


JOBS_PER_CORE = 8  # a job mostly waits on its apps' own pace (a scheduled job due in 30 s, a workflow's timer)


def default_jobs() -> int:
    """`-j auto`: eight per core (what loads the cores, its builds and its JVMs' starts, takes
    turns for them), no more than the memory holds."""
    memory = memory_gib()
    by_memory = int(memory // JOB_MEMORY_GIB) if memory else JOBS_PER_CORE * cores()
    return max(1, min(JOBS_PER_CORE * cores(), by_memory))


def machine_summary() -> str:
    memory = memory_gib()
    return f"{cores()} cores" + (f", {memory:.0f} GiB" if memory else "")


def default_build_slots() -> int:
    """Builds and installs (mvn, npm, pip, go build) that may run at once: one per two cores,
    so app runs and their timed steps always have a core left."""
    return max(1, cores() // 2)


@dataclass(frozen=True)
class CpuMark:
    t: float
    busy: int
    total: int


def _cpu_ticks() -> tuple[int, int]:
    try:
        fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def mark() -> CpuMark:
    busy, total = _cpu_ticks()
    return CpuMark(time.monotonic(), busy, total)


def busy_since(since: CpuMark) -> float | None:
    """The share of the machine's CPU time spent busy since `since` (None when unknown)."""
    now = mark()
    if now.total <= since.total:
        return None
    return (now.busy - since.busy) / (now.total - since.total)


def load_note(since: CpuMark) -> str:
    """How loaded the machine was since `since`, when it was saturated (else "")."""
    share = busy_since(since)
    if share is None or share < BUSY:
        return ""
    try:
        load = float(open("/proc/loadavg").read().split()[0])
    except (OSError, ValueError, IndexError):
        load = None
    average = f", load average {load:.1f} on {cores()} cores" if load is not None else f" on {cores()} cores"
    return (f"the machine was saturated meanwhile (CPUs {share:.0%} busy over {time.monotonic() - since.t:.0f}s"
            f"{average}): the timeout may be the load's, not the quickstart's")


def _slot_dir():
    return cache_root() / "locks"


START_TURN_S = 20.0  # the longest an app's start holds a turn (a JVM comes up in seconds; one that does not, in none)


def hold_turn(turn: ContextManager[None], done: Callable[[], bool], limit: float = START_TURN_S) -> None:
    """Enter `turn` now (waiting for it), and leave it on a thread of its own once `done()`, or
    after `limit` seconds: an app's start holds the cores until the app came up, not while it runs."""
    turn.__enter__()
    timeline, began = current(), time.monotonic()

    def release() -> None:
        deadline = time.monotonic() + limit
        try:
            while not done() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            turn.__exit__(None, None, None)
            if timeline is not None:
                timeline.add(TURN, began, time.monotonic())

    threading.Thread(target=release, name="start-turn", daemon=True).start()


_tickets = itertools.count()


def _take_ticket(queue: Path):
    """A place in the slots' queue: a file named for the time it was asked for, locked while its
    asker waits (made under another name and renamed once locked, so it is never seen unlocked)."""
    name = f"{time.time_ns():020d}-{os.getpid()}-{next(_tickets)}"
    making = queue / f".{name}"
    handle = try_lock(making)
    os.rename(making, queue / name)
    return queue / name, handle


def _waiting_before(queue: Path, ticket: Path) -> int:
    """How many askers still waiting asked before `ticket`; a ticket nobody holds any more (its asker
    died) is cleared."""
    ahead = 0
    for earlier in sorted(path for path in queue.iterdir() if not path.name.startswith(".") and path.name < ticket.name):
        if (left := try_lock(earlier)) is None:
            ahead += 1
            continue
        earlier.unlink(missing_ok=True)
        left.close()
    return ahead


@contextlib.contextmanager
def build_slot(slots: int, on_wait: Callable[[str], None] = lambda text: None) -> Iterator[None]:
    """Hold one of `slots` machine-wide build slots while the block runs, waiting for one in the
    order they were asked for: an asker never starves while later ones go first (a job that asked
    first and waited 345 s held a whole run up)."""
    folder = _slot_dir()
    queue = folder / "build-queue"
    queue.mkdir(parents=True, exist_ok=True)
    told, asked = False, time.monotonic()
    ticket, place = _take_ticket(queue)
    try:
        while True:
            handle = None
            if _waiting_before(queue, ticket) < slots:  # at the head: one of the next to be let in
                handle = next((taken for index in range(slots)
                               if (taken := try_lock(folder / f"build-slot-{index}")) is not None), None)
            if handle is not None:
                ticket.unlink(missing_ok=True)
                place.close()
                place = None
                if (timeline := current()) is not None and told:
                    timeline.add(SLOT, asked, time.monotonic())
                try:
                    yield
                finally:
                    handle.close()
                return
            if not told:
                on_wait(f"waiting for a build slot ({slots} at once on this machine)")
                told = True
            check_interrupted()
            time.sleep(0.2)
    finally:
        if place is not None:
            ticket.unlink(missing_ok=True)
            place.close()
