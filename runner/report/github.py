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


def _relative(file: str, workspace: Path | None) -> str:
    path = Path(file)
    if workspace is not None and path.is_absolute():
        try:
            return str(path.relative_to(workspace))
        except ValueError:
            pass
    return str(path)


def annotation(kind: str, file: str | None, line: int | None, title: str, message: str,
               workspace: Path | None = None) -> str:
    props = [f"title={_escape_property(title)}"]
    if file:
        props.insert(0, f"file={_escape_property(_relative(file, workspace))}")
        if line:
            props.insert(1, f"line={line}")
    return f"::{kind} {','.join(props)}::{_escape_data(message)}"


def annotations(results: list[JobResult], workspace: Path | None = None) -> list[str]:
    """One per failed or flaky job at its failing line; a docs tab's, one per finding (so a PR
    shows each where the writer edits)."""
    lines = []
    for r in results:
        title = f"{r.quickstart}: {r.status}"
        if r.findings:
            lines += [annotation(f["kind"] if f["kind"] in ("warning", "notice") else "error", f["file"], f["line"],
                                 title, f["message"], workspace) for f in r.findings]
            continue
        if r.status not in ("failed", "flaky", "interrupted"):
            continue
        lines.append(annotation("warning" if r.status == "flaky" else "error", r.failure_file, r.failure_line,
                                title, r.headline, workspace))
    return lines


def summary_markdown(results: list[JobResult]) -> str:
    icons = {"passed": "\u2705 passed", "failed": "\u274c failed", "skipped": "\u23ed\ufe0f skipped", "flaky": "\u26a0\ufe0f flaky",
             "interrupted": "\u23f9\ufe0f interrupted"}
    rows = ["| quickstart | verdict | time | first failure / reason |", "|---|---|---|---|"]
    for r in results:
        note = r.headline.replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{r.quickstart}` | {icons.get(r.status, r.status)} | {r.duration_s:.1f}s | {note} |")
    counts = status_counts(results)
    head = f"### quickstart-runner: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    head += "".join(f", {counts[status]} {status}" for status in ("flaky", "interrupted") if counts[status])
    return "\n".join([head, "", *rows]) + "\n"


def emit_github(results: list[JobResult], out: TextIO = sys.stdout, env: dict | None = None,
                note: str | None = None) -> None:
    """Groups, annotations, and the step summary (after `note`: what was selected, and why)."""
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
            handle.write((f"{note}\n\n" if note else "") + summary_markdown(results))
    out.flush()
