"""Whether what a command started is at work or waiting: the CPU its processes (its session: the
shell and all it started, whatever their process groups) used over the last seconds. A start that
printed nothing and listens on nothing is told apart so: a build or a runtime loading uses a core,
an app waiting for its next loop hardly any."""

from __future__ import annotations

import os
import time
from collections import deque

from runner.services.groups import process_stats

IDLE_SHARE = 0.15  # of one core: less is waiting (daprd, the CLI and an app between calls), more is at work


def session_cpu_s(sid: int) -> float:
    """CPU seconds the live processes of session `sid` used, with their children's that they reaped
    (a compiler's, run by `go build`)."""
    ticks = sum(sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
                for fields in process_stats() if fields[3] == str(sid))
    return ticks / os.sysconf("SC_CLK_TCK")


class IdleWatch:
    """Asked again and again (each poll of a wait): whether session `sid` used under IDLE_SHARE of a
    core over the last `window_s` seconds it was asked over."""

    def __init__(self, sid: int, window_s: float):
        self.sid, self.window_s = sid, window_s
        self._seen: deque[tuple[float, float]] = deque()

    def idle(self) -> bool:
        now, used = time.monotonic(), session_cpu_s(self.sid)
        self._seen.append((now, used))
        while len(self._seen) > 1 and now - self._seen[1][0] >= self.window_s:
            self._seen.popleft()
        since, before = self._seen[0]
        return now - since >= self.window_s and used - before < IDLE_SHARE * (now - since)
