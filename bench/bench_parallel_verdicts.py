"""Do verdicts depend on parallelism or on warm caches? The whole v1.17.0 snapshot (python,
javascript, java, go) validated at -j 1, -j 4 and the default (-j auto), from cold runner caches
(XDG_CACHE_HOME and QUICKSTART_RUNNER_CACHE pointed at an empty dir; daprd, placement and
scheduler reused through --daprd) and warm: a table of verdicts per folder, whether every run
agrees, and the wall time of each run. `--pair` instead runs the two-job case of issue 22
(pub_sub/java/http beside service_invocation/java/http at -j 2) N times against each alone.

    python bench/bench_parallel_verdicts.py [--runs cold-1,cold-4,cold-auto,warm-1,warm-4,warm-auto]
    python bench/bench_parallel_verdicts.py --pair 10

A run whose -j equals another's (auto is 4 on a 2-core machine) is run once and said so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"
sys.path.insert(0, str(ROOT))

from runner.provision.daprd import ensure_daprd  # noqa: E402
from runner.services.machine import default_jobs  # noqa: E402

PAIR = ["pub_sub/java/http", "service_invocation/java/http"]


def validate(selection: list[str], jobs: str, env: dict, daprd: str, log: Path) -> tuple[float, dict[str, tuple]]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "r.json"
        command = [sys.executable, "-m", "runner", "validate", *selection, "--repo", str(SNAPSHOT), "--ref", "v1.17.0",
                   "--lang", "python,javascript,java,go", "-j", jobs, "--daprd", daprd, "--json", str(out)]
        started = time.monotonic()
        with open(log, "a") as output:
            output.write(f"\n$ {' '.join(command)}\n")
            output.flush()
            benchrun.run(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, env=env)
        wall = time.monotonic() - started
        jobs_run = json.loads(out.read_text())["jobs"]
    return wall, {job["quickstart"]: (job["status"], job["reason"]) for job in jobs_run}


def cold_env(scratch: Path) -> dict:
    return {**os.environ, "XDG_CACHE_HOME": str(scratch / "xdg"), "QUICKSTART_RUNNER_CACHE": str(scratch / "qsr")}


def whole(runs: list[str], daprd: str, log: Path) -> None:
    verdicts: dict[str, dict[str, tuple]] = {}
    walls: dict[str, float] = {}
    auto = str(default_jobs())
    done: dict[tuple[str, str], str] = {}
    for name in runs:
        temperature, jobs = name.split("-")
        effective = auto if jobs == "auto" else jobs
        if (temperature, effective) in done:
            print(f"{name}: -j auto is -j {auto} on this machine, the same run as {done[(temperature, effective)]}")
            continue
        with tempfile.TemporaryDirectory() as scratch:
            env = cold_env(Path(scratch)) if temperature == "cold" else dict(os.environ)
            walls[name], verdicts[name] = validate([], effective, env, daprd, log)
        done[(temperature, effective)] = name
        print(f"{name}: {walls[name]:.0f} s", flush=True)
    names = list(verdicts)
    folders = sorted({folder for found in verdicts.values() for folder in found})
    print(f"\n{'quickstart':36} " + " ".join(f"{name:>10}" for name in names))
    differing = []
    for folder in folders:
        row = [verdicts[name].get(folder, ("-", ""))[0] for name in names]
        print(f"{folder:36} " + " ".join(f"{status:>10}" for status in row))
        if len(set(row)) > 1:
            differing.append(folder)
    print("\nwall: " + ", ".join(f"{name} {walls[name]:.0f} s" for name in names))
    print(f"folders whose verdict differs between runs: {len(differing)} of {len(folders)}")
    for folder in differing:
        for name in names:
            status, reason = verdicts[name].get(folder, ("-", ""))
            print(f"  {folder} [{name}] {status}: {reason[:200]}")


def pair(times: int, daprd: str, log: Path) -> None:
    alone = {}
    for folder in PAIR:
        wall, found = validate([folder], "1", dict(os.environ), daprd, log)
        alone[folder] = found[folder][0]
        print(f"alone: {folder} {found[folder][0]} in {wall:.0f} s", flush=True)
    same = 0
    for attempt in range(1, times + 1):
        wall, found = validate(PAIR, "2", dict(os.environ), daprd, log)
        agree = all(found[folder][0] == alone[folder] for folder in PAIR)
        same += agree
        print(f"run {attempt} at -j 2 ({wall:.0f} s): " + ", ".join(f"{f} {found[f][0]}" for f in PAIR)
              + ("" if agree else "  <- differs from alone: " + "; ".join(found[f][1][:200] for f in PAIR)), flush=True)
    print(f"\n{same} of {times} runs at -j 2 gave the same verdicts as each alone")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", default="cold-1,cold-4,cold-auto,warm-1,warm-4,warm-auto")
    parser.add_argument("--pair", type=int, metavar="N", help="the two-job case, N runs at -j 2")
    parser.add_argument("--log", type=Path, default=Path(tempfile.gettempdir()) / "bench_parallel_verdicts.log")
    args = parser.parse_args()
    daprd = str(ensure_daprd().path)
    print(f"(the runner's own output: {args.log})")
    if args.pair:
        pair(args.pair, daprd, args.log)
    else:
        whole(args.runs.split(","), daprd, args.log)


if __name__ == "__main__":
    main()
