"""How long the streaming matcher takes on a 100,000-line output (median of 5 runs).

    python bench/bench_match.py [--lines 100000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from runner.formats.expected import parse_expected
from runner.transcript.matcher import StreamMatcher


def output(lines: int) -> list[str]:
    # Mostly daprd-like noise with ANSI and timestamps, app lines every 50th line.
    out = []
    for i in range(lines):
        if i % 50 == 0:
            n = i // 50 + 1
            out.append(f"== APP == INFO:root:Saving Order: {{'orderId': '{n}'}}")
        else:
            out.append(f'\x1b[32mtime="2026-11-28T04:03:56.{i:09d}Z" level=info msg="line {i}" app_id=order-processor\x1b[0m')
    return out


def run(body: str, lines: list[str]) -> tuple[float, bool]:
    matcher = StreamMatcher(parse_expected(body, Path("bench.txt")))
    start = time.perf_counter()
    for line in lines:
        matcher.feed(line)
    return time.perf_counter() - start, matcher.complete


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    lines = output(args.lines)
    last = args.lines // 50
    # The expectation's last line is the output's last app line: every line is fed.
    cases = {
        "sequential exact, 12 lines": "".join(f"== APP == INFO:root:Saving Order: {{'orderId': '{n}'}}\n"
                                              for n in range(last - 11, last + 1)),
        "any-order substring, 12 lines": "---\nmatch: substring\norder: any\n---\n" + "".join(
            f"Saving Order: {{'orderId': '{n}'}}\n" for n in range(last, last - 12, -1)),
        "sequential exact, wildcard": "== APP == INFO:root:Saving Order: {'orderId': '[..]'}\n" * 3
                                      + f"== APP == INFO:root:Saving Order: {{'orderId': '{last}'}}\n",
    }
    print(f"{'case':34} {'median s':>9} {'lines/s':>12}  matched")
    for name, body in cases.items():
        timings = [run(body, lines) for _ in range(args.repeat)]
        median = statistics.median(t for t, _ in timings)
        print(f"{name:34} {median:9.3f} {args.lines / median:12,.0f}  {all(ok for _, ok in timings)}")


if __name__ == "__main__":
    main()
