"""`quickstart-runner readme` against mechanical-markdown's mm.py on the same annotated files.

Same verdicts expected; wall time per file, median of --repeat runs. mm's `sleep` values
are part of the spec and both honour them, so the difference is process handling (mm
also sleeps 10 s after terminating a timed-out command).

Then the early stop of README-driven `validate`: the upstream-layout test tree's README
sleeps 10 s after its `dapr run -f`; validate cuts that sleep short once the step's lines
are in (its duration against the README's own sleeps).

    python bench/bench_readme.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import sys
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests/data/mm_run"
TREE = ROOT / "tests/data/upstream_tree"


def timed(argv: list[str], cwd: Path) -> tuple[float, int]:
    start = time.monotonic()
    code = benchrun.run(argv, cwd=cwd, capture_output=True).returncode
    return time.monotonic() - start, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'file':32} {'mm.py s':>8} {'ours s':>8} {'ratio':>6}  verdicts (mm, ours)")
    totals = [0.0, 0.0]
    for path in sorted(CORPUS.glob("*.md")):
        runs = {"mm": [], "ours": []}
        codes = {}
        for _ in range(args.repeat):
            for name, argv in (("mm", [sys.executable, "-m", "mechanical_markdown", path.name]),
                               ("ours", [sys.executable, "-m", "runner", "readme", path.name])):
                seconds, codes[name] = timed(argv, path.parent)
                runs[name].append(seconds)
        mm, ours = statistics.median(runs["mm"]), statistics.median(runs["ours"])
        totals[0] += mm
        totals[1] += ours
        print(f"{path.name:32} {mm:8.2f} {ours:8.2f} {ours / mm:6.2f}  {codes['mm']}, {codes['ours']}"
              + ("" if codes["mm"] == codes["ours"] else "  <- VERDICTS DIFFER"))
    print(f"{'total':32} {totals[0]:8.2f} {totals[1]:8.2f} {totals[1] / totals[0]:6.2f}")
    early_stop(args.repeat)


def early_stop(repeat: int) -> None:
    sys.path.insert(0, str(ROOT))
    from runner.formats.steps import load_annotated

    readmes = sorted(TREE.rglob("README.md"))
    sleeps = sum(step.sleep for readme in readmes for step in load_annotated(readme).steps)
    durations = []
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "r.json"
        for _ in range(repeat):
            benchrun.run([sys.executable, "-m", "runner", "validate", "--repo", str(TREE), "--expected",
                            str(Path(scratch) / "none"), "--json", str(out)], cwd=ROOT, capture_output=True)
            jobs = json.loads(out.read_text())["jobs"]
            durations.append(sum(job["duration_s"] for job in jobs))
            verdicts = [job["status"] for job in jobs]
    print(f"README-driven validate of {TREE.relative_to(ROOT)}: {statistics.median(durations):.2f} s "
          f"(median of {repeat}; its READMEs sleep {sleeps:g} s in all; verdicts {verdicts})")


if __name__ == "__main__":
    main()
