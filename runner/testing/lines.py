"""`assert_lines(output, expected)`: the transcript engine's matching for hand-written tests,
with its closest-line explanation when a line is missing."""

from __future__ import annotations

from runner.formats.expected import Expectation, ExpectedLine
from runner.transcript.explain import explain
from runner.transcript.matcher import StreamMatcher

ORDERS = {"sequential": "sequential", "any": "any", "none": "any"}  # `none`: mechanical-markdown's word


def assert_lines(output: str, expected: list[str], order: str = "sequential", match: str = "substring") -> None:
    """Every expected line is in `output` (substring of a line, after the runner's normalisation:
    ANSI, timestamps, ports), in order unless `order="any"`; else AssertionError saying which
    line is missing and the closest output line."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    expectation = Expectation(lines=tuple(ExpectedLine(text, number) for number, text in enumerate(expected, 1)),
                              match=match, order=ORDERS[order], source="assert_lines")
    matcher = StreamMatcher(expectation)
    for line in output.splitlines():
        matcher.feed(line)
    if matcher.complete:
        return
    misses = explain(matcher)
    details = "\n".join(f"  {miss.summary()}" for miss in misses)
    raise AssertionError(f"{matcher.total - matcher.matched} of {matcher.total} expected lines not in the output:\n"
                         f"{details}")
