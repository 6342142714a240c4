"""What a person sees in the terminal: progress while jobs run, then a verdict per job."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from runner.results import JobResult, Progress, status_counts

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


class LiveProgress:
    """On a terminal: one live line per job with its phase and elapsed time (rich)."""

    def __init__(self, jobs: list[str], out: TextIO = sys.stderr):
        from rich.console import Console
        from rich.live import Live

        self.jobs = jobs
        self.state: dict[str, Progress] = {}
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self.lock = threading.Lock()
        self.live = Live(self._render(), console=Console(file=out), refresh_per_second=8,
                         get_renderable=self._render, transient=False)

    def _render(self):
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        now = time.monotonic()
        for job in self.jobs:
            progress = self.state.get(job)
            if progress is None:
                table.add_row(job, "[dim]waiting[/]", "")
                continue
            phase = progress.phase
            if phase == "running" and progress.expected:
                phase = f"running {progress.matched}/{progress.expected} matched"
            elapsed = self.ended.get(job, now) - self.started[job]
            table.add_row(job, phase, f"{elapsed:5.1f}s")
        return table

    def __call__(self, progress: Progress) -> None:
        with self.lock:
            self.started.setdefault(progress.job, time.monotonic())
            if progress.phase == "done":
                self.ended[progress.job] = time.monotonic()
            self.state[progress.job] = progress

    def __enter__(self) -> "LiveProgress":
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.__exit__(*exc)


def format_result(result: JobResult) -> list[str]:
    lines = [f"{_MARK.get(result.status, result.status.upper()):5} {result.quickstart}  "
             f"{result.duration_s:.1f}s  ({result.matched}/{result.expected} matched)"]
    if result.status == "skipped":
        lines[0] = f"SKIP  {result.quickstart}  ({result.reason})"
    elif result.status == "flaky":
        lines.append(f"      {result.reason}")
    elif result.status == "failed":
        lines.append(f"      {result.reason}")
        for miss in result.misses[1:4]:
            lines.append(f"      {miss}")
        if result.transcript and not result.misses:
            lines.append("      last output:")
            lines += [f"        {line}" for line in result.transcript[-5:]]
    return lines


def summary(results: list[JobResult]) -> str:
    counts = status_counts(results)
    text = f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    return text + (f", {counts['flaky']} flaky" if counts["flaky"] else "")


def print_results(results: list[JobResult], out: TextIO = sys.stdout) -> None:
    for result in results:
        for line in format_result(result):
            print(line, file=out)
    print(summary(results), file=out, flush=True)
