"""What a run remembers for the next: each job's duration, per quickstarts repository, so the next
run starts its longest jobs first and ends with its slowest, not after it."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from runner.cache import cache_root, digest
from runner.report.whole import write_whole
from runner.results import JobResult

# What a job with no duration on record is expected to take, by language (a JVM builds and starts
# slowest; a tutorial of several languages runs several apps).
UNKNOWN_S = {"java": 90.0, "csharp": 60.0, "multi": 60.0, "go": 45.0, "javascript": 45.0, "python": 35.0}


def _path(repo: str) -> Path:
    return cache_root() / "durations" / f"{digest([repo])}.json"


def remembered(repo: str) -> dict[str, float]:
    """The durations the last run of `repo` recorded (none when there was none, or it is unreadable)."""
    try:
        found = json.loads(_path(repo).read_text())
    except (OSError, ValueError):
        return {}
    return {str(name): float(seconds) for name, seconds in found.items() if isinstance(seconds, (int, float))}


def remember(repo: str, results: list[JobResult]) -> None:
    """The durations of the jobs that ran to a verdict, on top of what was remembered (a cache that
    cannot be written keeps none: the next run guesses, nothing else changes)."""
    known = remembered(repo)
    known.update({r.quickstart: round(r.duration_s, 1) for r in results if r.status in ("passed", "failed", "flaky")})
    path = _path(repo)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, lambda scratch: scratch.write_text(json.dumps(known, indent=1, sort_keys=True)))


def expected(durations: dict[str, float], name: str, language: str, skipped: bool) -> float:
    """How long a job is expected to take: its duration on record, else its language's guess."""
    if skipped:  # done at once: out of the way first
        return float("inf")
    return durations.get(name, UNKNOWN_S.get(language, 45.0))
