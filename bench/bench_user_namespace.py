"""Not root, the same speed: the whole v1.17.0 snapshot as root (jobs that name ports each in a
network of its own), as a user without CAP_SYS_ADMIN (uid 1000 in a user namespace that grants
none: the runner starts again in a user namespace of its own), and as root with
`--job-network shared` (what a user without one gets: such jobs one after another). Warm caches;
wall time of each, their ratio to root's, and whether every job got the same verdict.

    python bench/bench_user_namespace.py [--lang python,javascript,java,go] [-j auto] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"
AS_USER = ["unshare", "--user", "--map-user=1000", "--map-group=1000", "--"]
WAYS = {"root": ([], []), "user": (AS_USER, []), "root, shared": ([], ["--job-network", "shared"])}


def run(way: str, args, out: Path) -> tuple[float, dict[str, str], str]:
    prefix, extra = WAYS[way]
    command = [*prefix, sys.executable, "-m", "runner", "validate", "--repo", str(SNAPSHOT), "--ref", "v1.17.0",
               "--lang", args.lang, "-j", args.jobs, "--json", str(out), *extra]
    # uid 1000 here stands for a user whose home is $HOME: Java reads its home from the password
    # file (uid 1000's), which this root-owned $HOME is not, so Maven is told it.
    env = {**os.environ, "MAVEN_OPTS": f"-Duser.home={Path.home()}"} if prefix else os.environ
    started = time.monotonic()
    done = benchrun.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    said = next((line for line in done.stderr.splitlines() if "jobs that name" in line), "?")
    jobs = json.loads(out.read_text())["jobs"] if out.is_file() else []
    return wall, {job["quickstart"]: job["status"] for job in jobs}, said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="python,javascript,java,go")
    parser.add_argument("-j", "--jobs", default="auto")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--ways", default=",".join(WAYS), help=f"of {', '.join(WAYS)}")
    args = parser.parse_args()
    ways = [way for way in WAYS if way in args.ways.split(",")]
    if os.geteuid() != 0:
        sys.exit("run as root: it compares root with a user that is not")
    walls: dict[str, list[float]] = {way: [] for way in ways}
    verdicts: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(args.repeat):
            for way in ways:
                wall, verdicts[way], said = run(way, args, Path(scratch) / f"{round_}-{way}.json")
                walls[way].append(wall)
                print(f"{way:13} {wall:7.1f} s  {sum(s == 'passed' for s in verdicts[way].values())}/"
                      f"{len(verdicts[way])} passed  [{said.strip()}]", flush=True)
    base = statistics.median(walls["root"])
    for way, times in walls.items():
        print(f"median {way:13} {statistics.median(times):7.1f} s  ({statistics.median(times) / base:.2f}x root's)")
    differ = sorted(name for name in verdicts["root"] if any(verdicts[w].get(name) != verdicts["root"][name] for w in ways))
    print(f"same verdict for every job: {'yes' if not differ else 'no: ' + ', '.join(differ)}")


if __name__ == "__main__":
    main()
