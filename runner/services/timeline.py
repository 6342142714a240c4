"""A job's time as phases, recorded where they happen: queued (before a worker took it), waiting
for a build slot, building (each install or build command), starting services and sidecars,
running, stopping. A run has one clock, its start, so every job's phases line up; each job's
phases are recorded on its own thread (`recording`), so code deep in a job says `phase(...)`
without being handed anything. Reports draw them (the HTML timeline) and sum them (the build
slot's occupancy, the waits for it)."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import asdict, dataclass
from typing import Iterator

QUEUED, SLOT, BUILD, SERVICES, RUN, STOP = "queued", "waiting for a build slot", "building", "starting", "running", "stopping"
TURN = "starting on a turn for the cores"  # an app's start (a JVM's) holding a build slot until it came up
PHASES = (QUEUED, SLOT, BUILD, SERVICES, RUN, STOP, TURN)
_local = threading.local()


@dataclass(frozen=True)
class Phase:
    name: str  # one of PHASES
    start_s: float  # seconds since the run began
    end_s: float
    detail: str = ""  # the command a build ran, the step that ran

    def record(self) -> dict:
        return {**asdict(self), "start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2)}


class Timeline:
    """One job's phases on the run's clock (`epoch`: the monotonic time the run began)."""

    def __init__(self, epoch: float):
        self.epoch = epoch
        self.phases: list[Phase] = []
        self._lock = threading.Lock()

    def add(self, name: str, start: float, end: float, detail: str = "") -> None:
        if end - start < 0.01:  # nothing happened: nothing to draw
            return
        with self._lock:
            self.phases.append(Phase(name, start - self.epoch, end - self.epoch, detail))

    def records(self) -> list[dict]:
        with self._lock:
            return [phase.record() for phase in sorted(self.phases, key=lambda p: (p.start_s, -p.end_s))]


def current() -> Timeline | None:
    return getattr(_local, "timeline", None)


@contextlib.contextmanager
def recording(timeline: Timeline) -> Iterator[Timeline]:
    """Phases recorded on this thread while the block runs go to `timeline`."""
    before = current()
    _local.timeline = timeline
    try:
        yield timeline
    finally:
        _local.timeline = before


@contextlib.contextmanager
def phase(name: str, detail: str = "") -> Iterator[None]:
    """The block's time as phase `name` of the job this thread runs (nothing when none records)."""
    timeline, started = current(), time.monotonic()
    try:
        yield
    finally:
        if timeline is not None:
            timeline.add(name, started, time.monotonic(), detail)


def slot_spans(timelines: list[list[dict]]) -> list[tuple[float, float]]:
    """The stretches of the run in which some build, or an app's start, held a build slot (the
    union of those phases), in order."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((p["start_s"], p["end_s"]) for phases in timelines for p in phases
                             if p["name"] in (BUILD, TURN)):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def slot_summary(timelines: list[list[dict]], wall_s: float) -> dict:
    """How busy the build slots were over the run (seconds some build, or an app's start, held one),
    and how long jobs waited for one (in all, and the longest wait)."""
    busy = sum(end - start for start, end in slot_spans(timelines))
    waits = [p["end_s"] - p["start_s"] for phases in timelines for p in phases if p["name"] == SLOT]
    return {"busy_s": round(busy, 1), "wall_s": round(wall_s, 1), "busy_share": round(busy / wall_s, 3) if wall_s else 0.0,
            "waited_s": round(sum(waits), 1), "longest_wait_s": round(max(waits, default=0.0), 1)}
