"""What a person sees in the terminal: progress while jobs run, then a verdict per job."""

from __future__ import annotations

import re
import sys
import threading
import time
from typing import Callable, TextIO

from runner.formats.expected import DEFAULT_NORMALIZERS
from runner.report.owners import summary_line
from runner.results import JobResult, Progress, status_counts
from runner.transcript.normalize import normalizer

_MARK = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "flaky": "FLAKY", "interrupted": "INTR"}


class ProgressPrinter:
    """Plain progress (CI logs): a line per phase change of a job on stderr, and each job's
    verdict on stdout the moment it ends, both stamped with the time since the run began."""

    def __init__(self, out: TextIO = sys.stderr, verdicts: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.out = out
        self.verdicts = verdicts or sys.stdout
        self.clock = clock
        self.begun = clock()
        self.last: dict[str, str] = {}
        self.lock = threading.Lock()

    def verdict(self, result: JobResult) -> None:
        with self.lock:
            first, *rest = format_result(result)
            print(f"[{self.clock() - self.begun:7.1f}s] {first}", file=self.verdicts)
            for line in rest:
                print(f"{'':11}{line}", file=self.verdicts)
            self.verdicts.flush()

    def __call__(self, progress: Progress) -> None:
        with self.lock:
            if progress.phase == self.last.get(progress.job):
                return
            self.last[progress.job] = progress.phase
            if progress.phase == "done":
                return
            print(f"[{self.clock() - self.begun:7.1f}s] {progress.job}: {progress.phase}", file=self.out, flush=True)


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

    def verdict(self, result: JobResult) -> None:
        """Shown on its job's live line; the verdicts are printed once the display closes."""

    def __enter__(self) -> "LiveProgress":
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.__exit__(*exc)


def format_result(result: JobResult) -> list[str]:
    lines = [f"{_MARK.get(result.status, result.status.upper()):5} {result.quickstart}  "
             f"{result.duration_s:.1f}s  ({result.matched}/{result.expected} matched)"]
    if result.status in ("skipped", "interrupted"):
        lines[0] = f"{_MARK[result.status]:5} {result.quickstart}  ({result.reason})"
    elif result.status == "flaky":
        lines.append(f"      {result.reason}")
    if result.overrides:
        lines.insert(1, f"      {result.overrides[0]}")
    elif result.status == "failed":
        lines.append(f"      {result.reason}")
        shown = 0 if result.kind == "app crashed" else 1  # the reason is the crash, not the first miss
        for miss in result.misses[shown:shown + 3]:
            lines.append(f"      {miss}")
        if result.transcript and not result.misses and result.kind != "app crashed":
            lines.append("      last output:")
            lines += [f"        {line}" for line in result.transcript[-5:]]
    lines += [f"      {note}" for note in result.notes if result.status != "skipped"]
    if result.weak and result.status in ("passed", "flaky"):  # its verdict rests on what its apps showed
        shown = "; ".join(app.summary() for app in result.apps) or "no app started"
        lines.append(f"      {result.weak}: {shown}")
    return lines


def slot_line(summary: dict) -> str:
    """How busy the build slots were over the run, and how long jobs waited for one."""
    return (f"build slots busy {summary['busy_s']:.0f} s of the {summary['wall_s']:.0f} s wall "
            f"({summary['busy_share']:.0%}); jobs waited {summary['waited_s']:.0f} s for one in all, "
            f"the longest wait {summary['longest_wait_s']:.0f} s")


def summary(results: list[JobResult]) -> str:
    counts = status_counts(results)
    weak = sum(bool(r.weak) and r.status in ("passed", "flaky") for r in results)
    text = f"{counts['passed']} passed" + (f" ({weak} of them check only that Dapr started)" if weak else "")
    text += f", {counts['failed']} failed, {counts['skipped']} skipped"
    return text + "".join(f", {counts[status]} {status}" for status in ("flaky", "interrupted") if counts[status])


def weak_readmes(results: list[JobResult]) -> list[str]:
    """The READMEs whose expectations are all the CLI's own lines: each needs a line its app prints."""
    names = list(dict.fromkeys(r.base for r in results if r.weak and r.status != "skipped"))
    return [f"{len(names)} README(s) check only that Dapr started (their verdicts rest on their apps' evidence; "
            f"each needs an expected line its app prints): {', '.join(names)}"] if names else []


_CELL = {"passed": "ok", "failed": "FAIL", "skipped": "skip", "flaky": "flaky", "interrupted": "intr"}


def status_table(results: list[JobResult], width: int = 100) -> list[str]:
    """Building block x language, each cell its variants' verdicts (`sdk ok  http FAIL`); below it
    the quickstarts laid out otherwise (tutorials), by folder, wrapped at `width`."""
    in_grid = [r for r in results if r.base == f"{r.building_block}/{r.language}/{r.variant}"]
    blocks = list(dict.fromkeys(r.building_block for r in in_grid))
    languages = sorted({r.language for r in in_grid})
    cells = {(r.building_block, r.language): [] for r in in_grid}
    for r in in_grid:
        cells[(r.building_block, r.language)].append(f"{r.column} {_CELL.get(r.status, r.status)}")
    rows = [["BUILDING BLOCK", *languages]] if in_grid else []
    rows += [[block, *("  ".join(cells.get((block, lang), ["-"])) for lang in languages)] for block in blocks]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    folders: dict[str, list[str]] = {}
    for r in results:
        if r not in in_grid:
            folder, _, leaf = r.quickstart.rpartition("/")
            folders.setdefault(folder, []).append(f"{leaf} {_CELL.get(r.status, r.status)}")
    for folder, items in folders.items():
        line = f"{folder}/:"
        for item in items:  # an item is never split from its verdict
            if len(line) + 2 + len(item) > width and not line.endswith(":"):
                lines.append(line)
                line = " " * (len(folder) + 2)
            line += "  " + item
        lines.append(line)
    return lines


_comparable = normalizer(DEFAULT_NORMALIZERS)  # timestamps and ports differ in every run


def _version_key(result: JobResult) -> tuple:
    """Where a job of a matrix sits among its versions: runtime first, then SDK."""
    def numbers(text: str | None) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", text or ""))
    return numbers(result.runtime), numbers(result.sdk)


def regressions(results: list[JobResult]) -> list[str]:
    """Quickstarts of a matrix whose verdict changes from one version to the next: a REGRESSION
    passed at the earlier and fails at the later (with the first difference between the two
    transcripts' app lines); the other way round it was FIXED."""
    by_base: dict[str, list[JobResult]] = {}
    for result in results:
        by_base.setdefault(result.base, []).append(result)
    found = []
    for base, runs in by_base.items():
        runs = sorted((r for r in runs if r.status in ("passed", "flaky", "failed")), key=_version_key)
        for earlier, later in zip(runs, runs[1:]):
            passed = [r.status in ("passed", "flaky") for r in (earlier, later)]
            if passed == [False, True]:
                found.append(f"FIXED {base}: fails as {earlier.column}, passes as {later.column}")
            elif passed == [True, False]:
                found.append(f"REGRESSION {base}: passes as {earlier.column}, fails as {later.column}: {later.headline}")
                found += _first_difference(earlier, later)
    return sorted(found, key=lambda line: not line.startswith(("REGRESSION", "      first")))


def _first_difference(good: JobResult, bad: JobResult) -> list[str]:
    ours, theirs = ([_comparable(line) for line in r.transcript if line.startswith("== APP")] for r in (good, bad))
    at = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
    if at >= max(len(ours), len(theirs)):
        return []
    return [f"      first difference, app line {at + 1}: `{ours[at] if at < len(ours) else '(none)'}` "
            f"({good.column}) against `{theirs[at] if at < len(theirs) else '(none)'}` ({bad.column})"]


def print_results(results: list[JobResult], out: TextIO = sys.stdout, verdicts: bool = True) -> None:
    """The verdicts (unless already printed as their jobs ended), a matrix's regressions first, the
    table of a run of several jobs, and the counts."""
    for result in results if verdicts else ():
        for line in format_result(result):
            print(line, file=out)
    found = regressions(results)
    if found:
        print(file=out)
        for line in found:
            print(line, file=out)
    if len(results) > 1:
        print(file=out)
        for line in status_table(results):
            print(line, file=out)
    for line in weak_readmes(results):
        print(line, file=out)
    if by_who := summary_line(results):
        print(by_who, file=out)
    print(summary(results), file=out, flush=True)
