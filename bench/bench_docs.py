"""`docs check` on every quickstart page of the Dapr docs (../shared/docs-pages, branch v1.15)
against the quickstarts snapshot (../shared/upstream, v1.17.0): the page x tab table, the
findings per kind, and the wall time statically (median of runs) and with every tab run.

    python bench/bench_docs.py [--pages DIR] [--repo PATH] [--ref v1.17.0] [--runs 3] [-j 4]
                               [--static-only] [--json out.json] [--html report.html]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def check(args: argparse.Namespace, out: Path, *extra: str) -> tuple[float, subprocess.CompletedProcess]:
    command = [sys.executable, "-m", "runner", "docs", "check", args.pages, "--repo", args.repo, "--ref", args.ref,
               "--json", str(out), *extra]
    started = time.monotonic()
    done = benchrun.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"docs check exited with {done.returncode}: {done.stderr.strip()}")
    return time.monotonic() - started, done


def summary(out: Path) -> str:
    tabs = json.loads(out.read_text())["tabs"]
    statuses = Counter(tab["status"] for tab in tabs)
    kinds = Counter(finding["kind"] for tab in tabs for finding in tab["findings"])
    return (f"{len({t['page'] for t in tabs})} pages, {len(tabs)} tabs: {dict(statuses)}; "
            f"findings per kind: {dict(kinds)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", default=str(SHARED / "docs-pages"))
    parser.add_argument("--repo", default=str(SHARED / "upstream" / "dapr-quickstarts.git"))
    parser.add_argument("--ref", default="v1.17.0")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-j", "--jobs", default="auto")
    parser.add_argument("--static-only", action="store_true")
    parser.add_argument("--json", dest="json_path")
    parser.add_argument("--html")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "static.json"
        times = [check(args, out, "--static-only")[0] for _ in range(args.runs)]
        print(f"static: {statistics.median(times):.2f} s (median of {args.runs}); {summary(out)}")
        if args.static_only:
            return
        out = Path(args.json_path) if args.json_path else Path(scratch) / "dynamic.json"
        wall, done = check(args, out, "-j", args.jobs, *(["--html", args.html] if args.html else []))
        table = done.stdout[done.stdout.rindex("\nPAGE"):].strip()
        tabs = json.loads(out.read_text())["tabs"]
        slowest = max(tabs, key=lambda tab: tab["duration_s"])
        print(f"with every tab run (-j {args.jobs}): {wall:.0f} s; {summary(out)}\n"
              f"slowest tab: {slowest['page']} {slowest['tab']} #{slowest['group_index']} {slowest['duration_s']:.0f} s; "
              f"the whole run {wall / slowest['duration_s']:.2f}x it (target: at most 1.5)\n\n{table}")


if __name__ == "__main__":
    main()
