"""Balanced shards: the durations of a full run (`validate --json`) dealt into N shards longest
first against round-robin by name; what each scheme's slowest shard should take next to the
longest single job (no split can beat it), and with `--run` what each shard takes when run
(each shard alone, one after another, at the default -j).

    python bench/bench_shards.py full.json [--shards 4] [--run --repo PATH --ref v1.17.0]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runner.source.shards import expected_load, slices  # noqa: E402


def run_shard(names: list[str], args: argparse.Namespace) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "r.json"
        started = time.monotonic()
        benchrun.run([sys.executable, "-m", "runner", "validate", *names, "--repo", args.repo, "--ref", args.ref,
                        "--json", str(out)], cwd=ROOT, capture_output=True)
        wall = time.monotonic() - started
        jobs = json.loads(out.read_text())["jobs"] if out.exists() else []
        return wall, len(jobs)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("full", type=Path, help="a full run's --json")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--run", action="store_true", help="run every shard of both schemes and time it")
    parser.add_argument("--repo", default=str(ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"))
    parser.add_argument("--ref", default="v1.17.0")
    args = parser.parse_args()
    jobs = json.loads(args.full.read_text())["jobs"]
    durations = {job["quickstart"]: job["duration_s"] for job in jobs}
    names = sorted(durations)
    longest = max(durations.items(), key=lambda item: item[1])
    print(f"{len(names)} jobs, {sum(durations.values()):.0f} s of job time; longest job {longest[0]} "
          f"{longest[1]:.0f} s")
    identity = lambda name: name  # noqa: E731
    for scheme, parts in (("round-robin", slices(names, args.shards, identity)),
                          ("balanced", slices(names, args.shards, identity, durations))):
        loads = [expected_load(part, identity, durations) for part in parts]
        print(f"{scheme:12} expected per shard: {', '.join(f'{load:.0f}s' for load in loads)}; "
              f"slowest {max(loads):.0f} s ({max(loads) / longest[1]:.2f}x the longest job)")
        if args.run:
            walls = [run_shard(part, args) for part in parts]
            print(f"{'':12} measured per shard: {', '.join(f'{wall:.0f}s ({count} jobs)' for wall, count in walls)}; "
                  f"slowest {max(wall for wall, _ in walls):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
