"""What a run's verdicts rest on, from its `--json` (and how they moved against another run's):

    python bench/bench_verdicts.py BEFORE.json [AFTER.json ...]

For each run: the counts, the passes whose transcript shows an app crash (a runtime's crash
report in an app's lines, or the CLI's `The App process exited with error code` for an exit
that is no stop), the READMEs that check only that Dapr started, and for each tutorial its
verdict with one line its app printed itself. With several runs: every quickstart whose
verdict differs between them, side by side.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.formats.cli_lines import is_run_line  # noqa: E402
from runner.transcript.apps import how_it_ended, is_crash_line  # noqa: E402

_APP = re.compile(r"^== APP(?: - [^=]+)? == ?(.*)$")
_EXIT = re.compile(r"The App process exited with error code: (.+)$")


def crash_in(transcript: list[str]) -> str | None:
    """The first line of a transcript that shows an app crash, read as a person would."""
    for line in transcript:
        app = _APP.match(line)
        if app and is_crash_line(app.group(1)):
            return line
        ended = _EXIT.search(line)
        if ended and how_it_ended(ended.group(1))[1]:
            return line
    return None


def own_line(transcript: list[str]) -> str | None:
    """A line an app printed itself (not a warning of its runtime, not the CLI's)."""
    for line in transcript:
        app = _APP.match(line)
        text = app.group(1).strip() if app else ""
        if text and not app.group(1)[:1].isspace() and not is_run_line(text) and not is_crash_line(text) \
                and "Warning" not in text and not re.match(r"^(\w+(Error|Exception)|pip |from |import )", text):
            return line
    return None


def load(path: str) -> list[dict]:
    return json.loads(Path(path).read_text())["jobs"]


def describe(path: str) -> dict[str, str]:
    jobs = load(path)
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job["status"]] = counts.get(job["status"], 0) + 1
    print(f"== {path}: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    hollow = [(job["quickstart"], crash_in(job.get("transcript") or [])) for job in jobs if job["status"] == "passed"]
    hollow = [(name, line) for name, line in hollow if line]
    print(f"passes whose transcript shows an app crash: {len(hollow)}")
    for name, line in hollow:
        print(f"  {name}: {line[:140]}")
    weak = [job["quickstart"] for job in jobs if job.get("weak")]
    if weak:
        print(f"READMEs that check only that Dapr started ({len(weak)}): {', '.join(weak)}")
    print("tutorials:")
    for job in jobs:
        if job["quickstart"].startswith("tutorials/"):
            line = own_line(job.get("transcript") or []) if job["status"] == "passed" else None
            shown = f"  app printed: {line[:110]}" if line else f"  {job.get('reason', '')[:110]}" if job["status"] != "passed" else ""
            print(f"  {job['status']:8} {job['quickstart']}{shown}")
    return {job["quickstart"]: job["status"] for job in jobs}


def main(paths: list[str]) -> int:
    runs = [describe(path) for path in paths]
    if len(runs) > 1:
        names = sorted(set().union(*runs))
        changed = [name for name in names if len({run.get(name) for run in runs}) > 1]
        print(f"== verdicts that differ between the runs: {len(changed)}")
        for name in changed:
            print(f"  {name}: " + " -> ".join(run.get(name, "-") for run in runs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
