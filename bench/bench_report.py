"""The HTML report of a run at the scale of a repository: its size (page, and per job), the
time to write it, and the time headless Chromium takes to load and paint it (median of
runs, less the same for an empty page), with a screenshot of the top of the page.

    python bench/bench_upstream.py --json run.json      # a whole-snapshot run first
    python bench/bench_report.py run.json [--out DIR] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import benchrun

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.report.html import write_html  # noqa: E402
from runner.results import JobResult  # noqa: E402


def shoot(chromium: str, page: Path, shot: Path, profile: Path) -> float:
    started = time.monotonic()
    benchrun.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", "--window-size=1400,1800", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("results", type=Path, help="a --json file of a run")
    parser.add_argument("--out", type=Path, help="keep the report and screenshot here")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = json.loads(args.results.read_text())
    results = [JobResult.from_record(job) for job in data["jobs"]]
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        page = out / "report.html"
        started = time.monotonic()
        write_html(results, page, data.get("run", {}))
        written = time.monotonic() - started
        size = page.stat().st_size
        beside = sum(f.stat().st_size for f in (out / "report-transcripts").glob("*.txt"))
        print(f"{len(results)} jobs: page {size / 1024:.0f} KiB ({size / len(results) / 1024:.1f} KiB a job), "
              f"written in {written * 1000:.0f} ms; full transcripts beside it {beside / 1024:.0f} KiB")
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            print("chromium: not found; no render time")
            return
        blank = out / "blank.html"
        blank.write_text("<!doctype html><title>blank</title>")
        profile = Path(scratch) / "profile"
        shoot(chromium, blank, out / "blank.png", profile)  # first start warms the profile
        pairs = [(shoot(chromium, page, out / "report.png", profile), shoot(chromium, blank, out / "blank.png", profile))
                 for _ in range(args.runs)]
        report_s = statistics.median(p for p, _ in pairs)
        blank_s = statistics.median(b for _, b in pairs)
        print(f"headless Chromium, load + paint + screenshot: report {report_s:.2f} s, empty page {blank_s:.2f} s "
              f"(median of {args.runs}); the report's own share {max(report_s - blank_s, 0):.2f} s")
        (out / "blank.png").unlink(missing_ok=True)
        blank.unlink()
        print(f"screenshot: {out / 'report.png'}")


if __name__ == "__main__":
    main()
