"""Start-up against mechanical-markdown's mm.py: `--help`, reading a README (`steps` against
`mm.py -d`), and running a one-step README (`readme` against `mm.py`). Medians of --repeat runs,
each a fresh process, as a person or a CI step pays for it.

    python bench/bench_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
ONE_STEP = """# one step

<!-- STEP
name: hello
expected_stdout_lines:
  - hello
-->

```bash
echo hello
```

<!-- END_STEP -->
"""


def median_run(argv: list[str], cwd: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        benchrun.run(argv, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    ours, mm = [sys.executable, "-m", "runner"], [sys.executable, "-m", "mechanical_markdown"]
    with tempfile.TemporaryDirectory() as scratch:
        readme = Path(scratch) / "README.md"
        readme.write_text(ONE_STEP)
        cases = [("--help", ours + ["--help"], mm + ["--help"]),
                 ("read a README (steps / mm.py -d)", ours + ["steps", readme.name], mm + ["-d", readme.name]),
                 ("run a one-step README", ours + ["readme", readme.name], mm + [readme.name])]
        print(f"{'':36} {'ours s':>8} {'mm.py s':>8} {'ratio':>6}   (medians of {args.repeat})")
        for name, mine, theirs in cases:
            a, b = median_run(mine, Path(scratch), args.repeat), median_run(theirs, Path(scratch), args.repeat)
            print(f"{name:36} {a:8.3f} {b:8.3f} {a / b:6.2f}")


if __name__ == "__main__":
    main()
