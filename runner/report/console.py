"""What a person sees in the terminal: progress while jobs run, then a verdict per job."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from runner.job import Progress
from runner.results import JobResult

_MARK = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "flaky": "FLAKY"}


class ProgressPrinter:
    """Plain progress lines, one per phase change of a job (CI logs stay readable)."""

    def __init__(self, out: TextIO = sys.stderr):
        self.out = out
        self.started: dict[str, float] = {}
        self.last: dict[str, str] = {}
        self.lock = threading.Lock()

    def __call__(self, progress: Progress) -> None:
        with self.lock:
            start = self.started.setdefault(progress.job, time.monotonic())
            if progress.phase == self.last.get(progress.job):
                return
            self.last[progress.job] = progress.phase
            if progress.phase == "done":
                return
            print(f"[{time.monotonic() - start:6.1f}s] {progress.job}: {progress.phase}", file=self.out, flush=True)


def format_result(result: JobResult) -> list[str]:
    lines = [f"{_MARK.get(result.status, result.status.upper()):5} {result.quickstart}  "
             f"{result.duration_s:.1f}s  ({result.matched}/{result.expected} matched)"]
    if result.status == "skipped":
        lines[0] = f"SKIP  {result.quickstart}  ({result.reason})"
    elif result.status == "failed":
        lines.append(f"      {result.reason}")
        for miss in result.misses[1:4]:
            lines.append(f"      {miss}")
        if result.transcript and not result.misses:
            lines.append("      last output:")
            lines += [f"        {line}" for line in result.transcript[-5:]]
    return lines


def summary(results: list[JobResult]) -> str:
    counts = {status: sum(r.status == status for r in results) for status in ("passed", "failed", "skipped", "flaky")}
    text = f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    return text + (f", {counts['flaky']} flaky" if counts["flaky"] else "")


def print_results(results: list[JobResult], out: TextIO = sys.stdout) -> None:
    for result in results:
        for line in format_result(result):
            print(line, file=out)
    print(summary(results), file=out, flush=True)
