"""`quickstart-runner readme` against mechanical-markdown's mm.py on the same annotated files.

Same verdicts expected; wall time per file, median of --repeat runs. mm's `sleep` values
are part of the spec and both honour them, so the difference is process handling (mm
also sleeps 10 s after terminating a timed-out command).

    python bench/bench_readme.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests/data/mm_run"


def timed(argv: list[str], cwd: Path) -> tuple[float, int]:
    start = time.monotonic()
    code = subprocess.run(argv, cwd=cwd, capture_output=True).returncode
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


if __name__ == "__main__":
    main()
