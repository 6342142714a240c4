"""Parallel, cached validation of the bundled state_management quickstart, against its limits.

Prints medians over --repeat runs (the machine is shared and noisy):
  1. warm: each language alone, all with -j 1, all with -j default; cold (an empty runner
     cache: venvs, node_modules, jars and binaries prepared from scratch; the package
     managers' own download caches stay as they are);
  2. runner overhead per job: wall time minus the app's own time to its last matched line;
  3. mechanical-markdown's floor on the same READMEs: the `sleep` of every step it runs plus
     the time the app needs to run to its end (mm waits for `dapr run` to exit; install
     commands are counted as free, so the floor is generous to mm).

    python bench/bench_parallel.py [--repeat 3] [--no-cold]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
# C# where a .NET SDK is here (`env $(sh scripts/test-dotnet.sh) python bench/...` gives the test one).
LANGS = (["csharp"] if shutil.which("dotnet") else []) + ["go", "java", "javascript", "python"]
sys.path.insert(0, str(ROOT))

from runner.formats.steps import load_annotated  # noqa: E402
from runner.provision.daprd import ensure_daprd  # noqa: E402
from runner.services.machine import default_jobs  # noqa: E402
from runner.services.timeline import BUILD, RUN, SLOT  # noqa: E402

PREPARING = (SLOT, BUILD)  # a job preparing its apps: waiting for a build slot, building


def validate(args: list[str], env: dict | None = None) -> tuple[float, list[dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        start = time.monotonic()
        result = benchrun.run([sys.executable, "-m", "runner", "validate", "state_management", *args,
                                 "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                                env={**os.environ, **(env or {})})
        wall = time.monotonic() - start
        if result.returncode != 0:
            sys.exit(f"validate {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return wall, json.loads(out.read_text())["jobs"]


def median(values) -> float:
    return statistics.median(values)


def spent(job: dict, *names: str) -> float:
    """Seconds a job's timeline spent in these phases."""
    return sum(phase["end_s"] - phase["start_s"] for phase in job.get("timeline", []) if phase["name"] in names)


def cold_and_warm(langs: list[str], repeat: int, slowest: float, default_j: int, par_runs: list) -> None:
    """Cold runs (every cache empty), and each language's preparation cold against warm."""
    cold_runs = []
    for _ in range(repeat):
        cache = tempfile.mkdtemp(prefix="qsr-bench-cache-")
        try:
            cold_runs.append(validate(langs, env={"QUICKSTART_RUNNER_CACHE": cache}))
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    cold_wall = median(w for w, _ in cold_runs)
    print(f"   {f'cold, {len(LANGS)} languages, -j {default_j}':38} {cold_wall:7.2f} {cold_wall / slowest:16.2f}")
    print("\n   prepare phase per language (s): cold -> warm (warm / cold)")
    for lang in LANGS:
        cold = median(spent(next(j for j in jobs if j["language"] == lang), *PREPARING) for _, jobs in cold_runs)
        warm = median(spent(next(j for j in jobs if j["language"] == lang), *PREPARING) for _, jobs in par_runs)
        print(f"   {lang:12} {cold:7.2f} -> {warm:6.3f}  ({warm / cold:.1%})")


def overhead(seq_runs: list) -> None:
    """What the runner adds to each job, warm at -j 1: its duration past its last match."""
    print("\n2. runner overhead per job, warm -j 1 (s): duration - last_match_s")
    print(f"   {'language':12} {'duration':>9} {'last match':>11} {'overhead':>9} {'first output':>13}")
    overheads = {}
    for lang in LANGS:
        jobs = [next(j for j in run if j["language"] == lang) for _, run in seq_runs]
        duration = median(j["duration_s"] for j in jobs)
        last = median(j["last_match_s"] for j in jobs)
        first = median(j["first_output_s"] for j in jobs)
        overheads[lang] = median(j["duration_s"] - j["last_match_s"] for j in jobs)
        print(f"   {lang:12} {duration:9.2f} {last:11.2f} {overheads[lang]:9.2f} {first:13.2f}")
    worst = max(overheads, key=overheads.get)
    print(f"   worst: {overheads[worst]:.2f} s ({worst}; target: at most 1.0)")


def floor(langs: list[str], default_j: int, par_wall: float) -> None:
    """mechanical-markdown's floor on the same READMEs: their sleeps plus each app's run to its end."""
    print("\n3. mechanical-markdown floor on the same READMEs (s)")
    with tempfile.TemporaryDirectory() as tmp:
        # What the app takes to run to its end: expectations that need it to exit.
        for lang in LANGS:
            src = ROOT / "expected/state_management" / f"{lang}-sdk.txt"
            dst = Path(tmp) / "state_management" / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(src.read_text() + "Exited App successfully\n")
        full = validate(langs + ["-j", "1", "--expected", tmp])[1]
    total_floor = 0.0
    print(f"   {'README':55} {'sleeps':>7} {'app to exit':>12} {'floor':>7}")
    for lang in LANGS:
        readme = ROOT / "quickstarts/state_management" / lang / "sdk/README.md"
        sleeps = sum(step.sleep for step in load_annotated(readme).steps)
        app_run = spent(next(j for j in full if j["language"] == lang), RUN)
        total_floor += sleeps + app_run
        print(f"   {str(readme.relative_to(ROOT)):55} {sleeps:7.1f} {app_run:12.2f} {sleeps + app_run:7.2f}")
    print(f"   mechanical-markdown floor, {len(LANGS)} READMEs one after another: {total_floor:.1f} s")
    print(f"   quickstart-runner, warm -j {default_j}: {par_wall:.2f} s -> {total_floor / par_wall:.1f}x faster than the floor")
    print("   (no dapr CLI here, so mm.py itself cannot run these READMEs: this is its floor, not a timing)")

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cold", action="store_true")
    args = parser.parse_args()
    daprd = str(ensure_daprd().path)
    langs = ["--lang", ",".join(LANGS), "--daprd", daprd]
    default_j = default_jobs()
    validate(langs)  # warm every cache

    alone = {lang: median(validate(["--lang", lang, "--daprd", daprd])[0] for _ in range(args.repeat))
             for lang in LANGS}
    seq_runs = [validate(langs + ["-j", "1"]) for _ in range(args.repeat)]
    par_runs = [validate(langs) for _ in range(args.repeat)]
    seq_wall = median(w for w, _ in seq_runs)
    par_wall = median(w for w, _ in par_runs)
    slowest = max(alone.values())

    print(f"machine: {os.cpu_count()} cores; medians of {args.repeat} runs; -j default = {default_j}\n")
    print("1. wall time, whole CLI run (s)")
    print(f"   {'run':38} {'wall':>7} {'x slowest alone':>16}")
    for lang, wall in alone.items():
        print(f"   {'warm, ' + lang + ' alone':38} {wall:7.2f} {wall / slowest:16.2f}")
    print(f"   {f'warm, {len(LANGS)} languages, -j 1':38} {seq_wall:7.2f} {seq_wall / slowest:16.2f}")
    print(f"   {f'warm, {len(LANGS)} languages, -j {default_j} (default)':38} {par_wall:7.2f} {par_wall / slowest:16.2f}"
          f"   (target: at most 1.2)")

    if not args.no_cold:
        cold_and_warm(langs, args.repeat, slowest, default_j, par_runs)
    overhead(seq_runs)
    floor(langs, default_j, par_wall)


if __name__ == "__main__":
    main()
