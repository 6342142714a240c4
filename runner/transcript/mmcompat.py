"""Matching a README step's expectations exactly as mechanical-markdown does.

Its rules differ from our own transcript matcher and are kept here on purpose, so that
`quickstart-runner readme` gives mm.py's verdicts: each expected line, in the order
written, takes the first unused output line that equals it (`exact`) or contains it
(`substring`); `sequential` then requires the taken positions to be increasing. No
normalisation is applied.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepMatch:
    found: tuple[int, ...]  # output index taken by each found expected line, in expectation order
    not_found: tuple[str, ...]
    order_broken: bool

    @property
    def ok(self) -> bool:
        return not self.not_found and not self.order_broken


class MmMatcher:
    """mm's matching, fed output lines one at a time (a step's output as it arrives). Each
    expected line still missing, in the order written, takes a new line that fits it and that
    no earlier expected line took: for every prefix of the output, exactly what mm's pass over
    the whole of it gives. An empty expected line is settled at the end, as mm settles it: it
    fits an empty output line, and also a line an earlier expected line took (mm blanks those);
    with `substring` it takes the first line, whatever it says, from every expected line after it."""

    def __init__(self, expected: list[str], mode: str, order: str, written: list[str] | None = None):
        self.expected = list(expected)
        self.written = list(written) if written is not None else self.expected  # as the README has them, for reports
        self.mode = mode
        self.order = order
        self._taken: list[int | None] = [None] * len(self.expected)  # output index per non-empty expected line
        self._empty: list[int] = []  # indices of empty output lines
        self.fed = 0

    def feed(self, line: str) -> None:
        index, self.fed = self.fed, self.fed + 1
        if line == "":
            self._empty.append(index)
            return  # no non-empty expected line fits an empty one
        for i, wanted in enumerate(self.expected):
            if index == 0 and self.mode == "substring" and "" in self.expected[:i]:
                return  # mm gave the first line to that empty expected line, which blanks it for the rest
            if wanted and self._taken[i] is None and (line == wanted if self.mode == "exact" else wanted in line):
                self._taken[i] = index
                return

    @property
    def ok(self) -> bool:
        return self.result().ok

    def ok_with(self, lines: list[str]) -> bool:
        """Whether the expectations would be met once `lines` came too (what a stop will print)."""
        future = MmMatcher(self.expected, self.mode, self.order, self.written)
        future._taken, future._empty, future.fed = list(self._taken), list(self._empty), self.fed
        for line in lines:
            future.feed(line)
        return future.ok

    def result(self) -> StepMatch:
        places: list[int | None] = []
        blank = set(self._empty)  # positions an empty expected line fits so far
        for wanted, taken in zip(self.expected, self._taken):
            if wanted:
                places.append(taken)
                if taken is not None:
                    blank.add(taken)
            elif self.mode == "substring":
                places.append(0 if self.fed else None)
            else:
                places.append(min(blank) if blank else None)
        found = [place for place in places if place is not None]
        missing = [line for line, place in zip(self.written, places) if place is None]
        return StepMatch(tuple(found), tuple(missing), self.order == "sequential" and sorted(found) != found)


def mm_match(expected: list[str], output_lines: list[str], mode: str, order: str) -> StepMatch:
    matcher = MmMatcher(expected, mode, order)
    for line in output_lines:
        matcher.feed(line)
    return matcher.result()


def split_output(text: str) -> list[str]:
    """Output lines as mechanical-markdown sees them (a plain split on newline)."""
    return text.split("\n")
