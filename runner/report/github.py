"""GitHub Actions: `::error` annotations at the failing expectation, a step summary table, log groups."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from runner.results import JobResult, status_counts


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(results: list[JobResult], workspace: Path | None = None) -> list[str]:
    lines = []
    for r in results:
        if r.status not in ("failed", "flaky"):
            continue
        kind = "error" if r.status == "failed" else "warning"
        props = [f"title={_escape_property(f'{r.quickstart}: {r.status}')}"]
        if r.failure_file:
            path = Path(r.failure_file)
            if workspace is not None and path.is_absolute():
                try:
                    path = path.relative_to(workspace)
                except ValueError:
                    pass
            props.insert(0, f"file={_escape_property(str(path))}")
            if r.failure_line:
                props.insert(1, f"line={r.failure_line}")
        message = r.misses[0] if r.status == "failed" and r.misses else r.reason
        lines.append(f"::{kind} {','.join(props)}::{_escape_data(message)}")
    return lines


def summary_markdown(results: list[JobResult]) -> str:
    icons = {"passed": "\u2705 passed", "failed": "\u274c failed", "skipped": "\u23ed\ufe0f skipped", "flaky": "\u26a0\ufe0f flaky"}
    rows = ["| quickstart | verdict | time | first failure / reason |", "|---|---|---|---|"]
    for r in results:
        note = (r.misses[0] if r.status == "failed" and r.misses else r.reason).replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{r.quickstart}` | {icons.get(r.status, r.status)} | {r.duration_s:.1f}s | {note} |")
    counts = status_counts(results)
    head = f"### quickstart-runner: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    if counts["flaky"]:
        head += f", {counts['flaky']} flaky"
    return "\n".join([head, "", *rows]) + "\n"


def emit_github(results: list[JobResult], out: TextIO = sys.stdout, env: dict | None = None) -> None:
    env = os.environ if env is None else env
    for r in results:
        print(f"::group::{r.quickstart} ({r.status})", file=out)
        for line in r.transcript:
            print(line, file=out)
        print("::endgroup::", file=out)
    workspace = Path(env["GITHUB_WORKSPACE"]) if env.get("GITHUB_WORKSPACE") else None
    for line in annotations(results, workspace):
        print(line, file=out)
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(summary_markdown(results))
    out.flush()
