"""Does a verdict through the real dapr CLI depend on timing? The bundled Go quickstart (its app
logs `Saving Order` to stderr and prints `Getting Order` to stdout; the CLI reads the two on
goroutines of their own) validated N times through the real CLI (`--sidecar dapr`) and N times
with daprd driven by the runner, with every core kept busy by a CPU burner meanwhile. Prints a
table of verdicts per mode and the median time of a run.

    python bench/bench_cli_order.py [--runs 50] [--no-load]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _burn(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def one_run(sidecar: str) -> tuple[str, float, str]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "r.json"
        started = time.monotonic()
        benchrun.run([sys.executable, "-m", "runner", "validate", "state_management", "--lang", "go",
                        "--variant", "sdk", "--sidecar", sidecar, "--json", str(out)],
                       cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
        try:
            (job,) = json.loads(out.read_text())["jobs"]
        except (OSError, ValueError):
            return "no report", wall, ""
        return job["status"], wall, job.get("reason", "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--no-load", action="store_true", help="no CPU burner beside the runs")
    args = parser.parse_args()
    stop = multiprocessing.Event()
    burners = [] if args.no_load else [multiprocessing.Process(target=_burn, args=(stop,), daemon=True)
                                       for _ in range(os.cpu_count() or 2)]
    for burner in burners:
        burner.start()
    table: dict[str, dict[str, int]] = {}
    walls: dict[str, list[float]] = {}
    reasons: dict[str, list[str]] = {}
    try:
        for sidecar in ("dapr", "daprd"):
            for number in range(1, args.runs + 1):
                status, wall, reason = one_run(sidecar)
                table.setdefault(sidecar, {}).setdefault(status, 0)
                table[sidecar][status] += 1
                walls.setdefault(sidecar, []).append(wall)
                if status != "passed":
                    reasons.setdefault(sidecar, []).append(reason)
                print(f"{sidecar:6} run {number:3}: {status} ({wall:.1f}s)", file=sys.stderr, flush=True)
    finally:
        stop.set()
        for burner in burners:
            burner.join(timeout=5)
    load = "no load" if args.no_load else f"{len(burners)} CPU burners"
    print(f"state_management/go/sdk, {args.runs} runs per mode, {load}")
    print(f"{'MODE':10} {'VERDICTS':30} MEDIAN RUN")
    for sidecar in table:
        verdicts = ", ".join(f"{n} {status}" for status, n in sorted(table[sidecar].items()))
        name = "dapr CLI" if sidecar == "dapr" else "daprd"
        print(f"{name:10} {verdicts:30} {statistics.median(walls[sidecar]):.1f}s")
    for sidecar, said in reasons.items():
        for reason in said[:3]:
            print(f"  {sidecar}: {reason[:160]}")
    same = all(len(counts) == 1 for counts in table.values())
    print("every run of a mode gave the same verdict" if same else "VERDICTS DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
