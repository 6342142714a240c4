"""The streaming matcher: fed output lines as they arrive, it knows when every expectation is met.

`sequential` finds the expected lines as an ordered subsequence of the output (greedy,
which is optimal for subsequences). `per-app` does so for each app's lines on their own
(`== APP - <app-id> == `): apps run side by side, so their lines interleave as they will. `any` finds a one-to-one assignment of output lines
to expected lines in any order (incremental bipartite matching, so a line that fits
several patterns never blocks a later one), which makes every output that matches
`sequential` also match `any`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from runner.formats.cli_lines import split_label
from runner.formats.expected import Expectation, ExpectedLine
from runner.transcript.masks import line_pattern
from runner.transcript.normalize import normalizer


@dataclass(frozen=True)
class OutputLine:
    number: int  # 1-based position in the whole transcript
    text: str  # as printed (ANSI and all)
    stream: str  # stdout | stderr
    t: float  # seconds since the app started


@dataclass(frozen=True)
class Hit:
    expected_index: int
    output_number: int
    t: float


def pattern_of(line: ExpectedLine, expectation: Expectation, normalize: Callable[[str], str]) -> re.Pattern[str]:
    """One expected line's pattern: normalised like the output, unless it is a regular expression."""
    literal = line.mark == "glob" or (line.mark is None and expectation.match != "regex")
    return line_pattern(normalize(line.text) if literal else line.text, expectation.match, line.mark)


def _line_tests(expectation: Expectation, normalize: Callable[[str], str]) -> list[Callable[[str, str], bool]]:
    """Each expected line's test of (a line as printed, normalised): its pattern, normalised like the output."""
    patterns = [pattern_of(line, expectation, normalize) for line in expectation.lines]
    return [lambda _printed, normal, pattern=pattern: pattern.search(normal) is not None for pattern in patterns]


class StreamMatcher:
    def __init__(self, expectation: Expectation):
        self.expectation = expectation
        self._normalize = normalizer(expectation.normalizers, expectation.masks)
        self._tests = _line_tests(expectation, self._normalize)
        self._sequential = expectation.order in ("sequential", "per-app")
        self._per_app = expectation.order == "per-app"
        # sequential: the expected lines of each app in order (one queue unless per-app), and
        # how far each queue has been met
        self._queues: dict[str, list[int]] = {}
        for index, line in enumerate(expectation.lines):
            self._queues.setdefault(self._queue_of(index), []).append(index)
        self._met_in_queue = dict.fromkeys(self._queues, 0)
        self._owner: list[OutputLine | None] = [None] * len(self._tests)  # expected -> output line
        self._fits: dict[int, list[int]] = {}  # any: matched output line -> expected lines it fits
        self._last_t: float | None = None
        self.lines: list[OutputLine] = []

    @property
    def total(self) -> int:
        return len(self._tests)

    @property
    def matched(self) -> int:
        return sum(owner is not None for owner in self._owner)

    @property
    def complete(self) -> bool:
        return self.matched == self.total

    @property
    def last_match_t(self) -> float | None:
        """Seconds from app start to the line that completed the match (None until complete)."""
        return self._last_t if self.complete else None

    def normalized(self, text: str) -> str:
        return self._normalize(text)

    def fits(self, expected_index: int, text: str) -> bool:
        return self._tests[expected_index](text, self._normalize(text))

    def sequence_of(self, index: int) -> str | None:
        """Which ordered sequence an expected line is in (None when order is `any`)."""
        return self._queue_of(index) if self._sequential else None

    def _queue_of(self, index: int) -> str:
        if not self._per_app:
            return ""
        found = split_label(self.expectation.lines[index].text)
        return (found[0] or "") if found else ""

    def _wants(self, stream: str) -> bool:
        return self.expectation.stream in ("both", stream)

    def feed(self, text: str, stream: str = "stdout", t: float = 0.0) -> list[int]:
        """Take one output line; return the expected indices it newly satisfied."""
        line = OutputLine(len(self.lines) + 1, text, stream, t)
        self.lines.append(line)
        if self.complete or not self._wants(stream):
            return []
        normal = self._normalize(text)
        if self._sequential:  # the line meets the next expected line of the first sequence it fits
            for key, queue in self._queues.items():
                met = self._met_in_queue[key]
                if met < len(queue) and self._tests[queue[met]](text, normal):
                    self._owner[queue[met]] = line
                    self._met_in_queue[key] = met + 1
                    self._note(line)
                    return [queue[met]]
            return []
        fits = [i for i, test in enumerate(self._tests) if test(text, normal)]
        if not fits:
            return []
        before = list(self._owner)
        if self._assign(line, fits, set()):
            self._fits[line.number] = fits
            self._note(line)
            return [i for i in range(self.total) if before[i] is None and self._owner[i] is not None]
        return []

    def _assign(self, line: OutputLine, fits: list[int], seen: set[int]) -> bool:
        # Kuhn's augmenting path: take a free expectation, or move its holder to another.
        for i in fits:
            if i in seen:
                continue
            seen.add(i)
            holder = self._owner[i]
            if holder is None or self._assign(holder, self._fits[holder.number], seen):
                self._owner[i] = line
                return True
        return False

    def _note(self, line: OutputLine) -> None:
        if self.complete:
            self._last_t = line.t

    def hits(self) -> list[Hit]:
        return [Hit(i, owner.number, owner.t) for i, owner in enumerate(self._owner) if owner is not None]

    def unmatched(self) -> list[int]:
        return [i for i, owner in enumerate(self._owner) if owner is None]
