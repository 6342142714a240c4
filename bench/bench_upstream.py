"""The whole dapr/quickstarts snapshot (../shared/upstream, v1.17.0), every non-.NET folder,
validated at once: the table of statuses and reasons, the wall time, and per job its
duration against the app's own time to its last expected line (the runner's overhead).

    python bench/bench_upstream.py [--repo PATH] [--ref v1.17.0] [-j 8] [--lang python,go,...]
                                   [--json out.json] [--html report.html] [--log run.log]

`--log` keeps what the runner printed (plain output: each verdict as its job ended, the
closing table).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", default=str(SNAPSHOT))
    parser.add_argument("--ref", default="v1.17.0")
    parser.add_argument("-j", "--jobs", default="8")
    parser.add_argument("--lang", default="python,javascript,java,go")
    parser.add_argument("--json", dest="json_path")
    parser.add_argument("--html")
    parser.add_argument("--log", help="keep the runner's own output here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(args.json_path or Path(scratch) / "r.json")
        command = [sys.executable, "-m", "runner", "validate", "--repo", args.repo, "--ref", args.ref,
                   "--lang", args.lang, "-j", args.jobs, "--json", str(out), *(["--html", args.html] if args.html else [])]
        started = time.monotonic()
        with open(args.log or "/dev/null", "w") as log:
            benchrun.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        wall = time.monotonic() - started
        jobs = json.loads(out.read_text())["jobs"]
    print(f"{'quickstart':36} {'status':8} {'job s':>7} {'app s':>7}  reason")
    for job in sorted(jobs, key=lambda j: j["quickstart"]):
        app = job.get("last_match_s")
        reason = (job["reason"] or "").replace("\n", " ")
        print(f"{job['quickstart']:36} {job['status']:8} {job['duration_s']:7.1f} "
              f"{app if app is None else round(app, 1)!s:>7}  {reason[:160]}")
    counts = {s: sum(j["status"] == s for j in jobs) for s in ("passed", "failed", "skipped", "flaky")}
    overheads = [(j["duration_s"] - j["last_match_s"], j["quickstart"]) for j in jobs
                 if j["status"] == "passed" and j.get("last_match_s") is not None]
    print(f"\n{len(jobs)} jobs: {counts}; wall {wall:.0f} s at -j {args.jobs}")
    if overheads:
        worst = max(overheads)
        print(f"worst overhead over the app's own time to its last expected line: {worst[0]:.1f} s ({worst[1]})")
    listed = benchrun.run([sys.executable, "-m", "runner", "list", "--repo", args.repo, "--ref", args.ref,
                             "--lang", args.lang, "--json"], cwd=ROOT, capture_output=True, text=True, check=True)
    ran = {job["quickstart"]: job for job in jobs}
    disagree = [f"{name}: list says {'runnable' if row['runnable'] else 'not runnable'}, the run {ran[name]['status']}"
                for row in json.loads(listed.stdout)
                if (name := f"{row['building_block']}/{row['language']}/{row['variant']}") in ran
                and row["runnable"] == (ran[name]["status"] == "skipped")]
    print(f"`list` runnable column against the run's statuses: {len(jobs) - len(disagree)} of {len(jobs)} agree")
    for line in disagree:
        print(f"  {line}")


if __name__ == "__main__":
    main()
