"""The whole v1.17.0 snapshot at the speed of its slowest quickstart: wall time at the default -j,
the slowest job run alone, and their ratio; warm (every cache as the last run left it) or cold
(every cache moved aside: the runner's prepared apps and worktrees, pip, uv, npm, Maven, Go; the
Dapr runtime kept, it is not what a whole run measures). Also the build slot's occupancy and
the waits for it, and the chain of jobs that waited for each other's named ports (the floor no
-j lifts), from the run's own timeline.

    python bench/bench_whole.py [--checkout PATH] [--cold] [--json out.json] [--html out.html]
                                [-j auto] [--lang python,javascript,java,go] [--alone J1.json]

`--checkout` measures another checkout of the runner (with its own `.venv`): before and after
a change, in one session.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"


def cold_env(scratch: Path) -> dict[str, str]:
    """Every cache a run reads, empty, but the Dapr runtime (linked from the warm cache)."""
    sys.path.insert(0, str(ROOT))
    from runner.cache import cache_root

    qsr = scratch / "qsr"
    qsr.mkdir()
    for keep in ("dapr", "dapr-cli", "releases"):
        if (cache_root() / keep).is_dir():
            (qsr / keep).symlink_to(cache_root() / keep)
    caches = {name: scratch / name for name in ("pip", "uv", "npm", "m2", "gomod", "gocache")}
    for folder in caches.values():
        folder.mkdir()
    return {"QUICKSTART_RUNNER_CACHE": str(qsr), "PIP_CACHE_DIR": str(caches["pip"]), "UV_CACHE_DIR": str(caches["uv"]),
            "npm_config_cache": str(caches["npm"]), "MAVEN_OPTS": f"-Dmaven.repo.local={caches['m2']}",
            "GOMODCACHE": str(caches["gomod"]), "GOCACHE": str(caches["gocache"])}


def validate(checkout: Path, args, env: dict[str, str], out: Path, *selection: str, jobs: str | None = None) -> float:
    python = checkout / ".venv" / "bin" / "python"
    command = [str(python), "-m", "runner", "validate", *selection, "--repo", str(SNAPSHOT), "--ref", "v1.17.0",
               "--lang", args.lang, "-j", jobs or args.jobs, "--json", str(out)]
    if args.html and not selection:
        command += ["--html", args.html]
    started = time.monotonic()
    benchrun.run(command, cwd=checkout, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--json", dest="json_path")
    parser.add_argument("--html")
    parser.add_argument("-j", "--jobs", default="auto")
    parser.add_argument("--lang", default="python,javascript,java,go")
    parser.add_argument("--alone", help="a -j 1 run's --json of the same tree: the slowest job alone from it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-whole-") as scratch_text:
        scratch = Path(scratch_text)
        env = cold_env(scratch) if args.cold else {}
        out = Path(args.json_path) if args.json_path else scratch / "whole.json"
        wall = validate(args.checkout, args, env, out)
        document = json.loads(out.read_text())
        jobs = document["jobs"]
        if args.alone:  # a -j 1 run of the same tree: every job's time alone
            alone_jobs = [job for job in json.loads(Path(args.alone).read_text())["jobs"] if job["status"] != "skipped"]
        else:  # the slowest in a crowded run need not be the slowest alone: the three slowest, each alone
            alone_jobs = []
            for rank, job in enumerate(sorted(jobs, key=lambda job: -job["duration_s"])[:3]):
                alone_out = scratch / f"alone-{rank}.json"
                validate(args.checkout, args, {}, alone_out, job["quickstart"], jobs="1")  # warm, as it is now
                alone_jobs += json.loads(alone_out.read_text())["jobs"]
        alone_job = max(alone_jobs, key=lambda job: job["duration_s"])
    slowest = max(jobs, key=lambda job: job["duration_s"])
    counts = {status: sum(job["status"] == status for job in jobs) for status in ("passed", "failed", "skipped", "flaky")}
    print(f"{'cold' if args.cold else 'warm'} whole run of {len(jobs)} jobs at -j {args.jobs}: {wall:.0f} s wall; {counts}")
    print(f"job durations add up to {sum(job['duration_s'] for job in jobs):.0f} s")
    print(f"slowest job in the run: {slowest['quickstart']} {slowest['duration_s']:.0f} s; slowest alone"
          f"{' (from ' + args.alone + ')' if args.alone else ' (of the run three slowest, each run alone)'}: "
          f"{alone_job['quickstart']} {alone_job['duration_s']:.0f} s, {alone_job['status']}")
    print(f"wall / slowest alone: {wall / max(alone_job['duration_s'], 1):.2f}")
    timelines = [job.get("timeline") or [] for job in jobs]
    if any(timelines):
        sys.path.insert(0, str(ROOT))
        from runner.services.timeline import slot_summary

        summary = slot_summary(timelines, wall)
        print(f"build slot busy {summary['busy_s']:.0f} s of {wall:.0f} s ({summary['busy_share']:.0%}); jobs waited "
              f"{summary['waited_s']:.0f} s for one in all, the longest {summary['longest_wait_s']:.0f} s")
        chain = port_chain(jobs)
        if len(chain) > 1:
            spans = sum(job["duration_s"] for job in chain)
            print(f"the run's last job ended a chain of {len(chain)} that named the same ports, one after another "
                  f"({spans:.0f} s of their own): " + " -> ".join(f"{job['quickstart']} {job['duration_s']:.0f} s"
                                                                  for job in chain))
            print(f"wall / that chain: {wall / max(spans, 1):.2f}")


def port_chain(jobs: list[dict]) -> list[dict]:
    """From the job that ended last, back through the jobs whose named ports each waited for
    (the queued phase says whose): the run's floor that no -j lifts."""
    by_name = {job["quickstart"]: job for job in jobs}
    ends = {job["quickstart"]: max((p["end_s"] for p in job.get("timeline") or []), default=0.0) for job in jobs}
    chain = [max(jobs, key=lambda job: ends[job["quickstart"]])]
    while True:
        queued = next((p for p in chain[-1].get("timeline") or [] if p["name"] == "queued"), {})
        match = re.search(r"waited for port \d+ of (\S+)$", queued.get("detail", ""))
        if not match or match[1] not in by_name or by_name[match[1]] in chain:
            return chain[::-1]
        chain.append(by_name[match[1]])


if __name__ == "__main__":
    main()
