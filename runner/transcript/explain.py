"""Why a match failed, in a few lines a person can act on."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from runner.transcript.matcher import StreamMatcher


@dataclass(frozen=True)
class CloseLine:
    output_number: int
    text: str
    similarity: float


@dataclass(frozen=True)
class Miss:
    expected_index: int
    expected: str
    source_line: int
    closest: tuple[CloseLine, ...]
    order_note: str | None  # set when the line was printed, but out of order

    def record(self) -> dict:
        return {"expected": self.expected, "line": self.source_line, "order_note": self.order_note,
                "closest": [{"output_line": c.output_number, "text": c.text, "similarity": c.similarity}
                            for c in self.closest]}

    def summary(self) -> str:
        where = f"line {self.source_line}: " if self.source_line else ""
        text = f"{where}expected `{self.expected}`"
        if self.order_note:
            return f"{text}: {self.order_note}"
        if self.closest:
            best = self.closest[0]
            return f"{text}; closest output line {best.output_number} ({best.similarity:.0%} alike): `{best.text}`"
        return f"{text}; no output line resembles it"


def explain(matcher: StreamMatcher, limit: int = 3) -> list[Miss]:
    expectation = matcher.expectation
    normal_output = [(line.number, matcher.normalized(line.text)) for line in matcher.lines]
    hits = {hit.expected_index: hit for hit in matcher.hits()}
    misses = []
    missed_in: set[str] = set()  # sequences that already had a miss: the rest of each is noise
    for index in matcher.unmatched():
        sequence = matcher.sequence_of(index)
        if sequence in missed_in:
            continue
        expected = expectation.lines[index]
        order_note = None
        if sequence is not None:
            previous = hits.get(index - 1)
            earlier = next((n for n, _ in normal_output if matcher.fits(index, matcher.lines[n - 1].text)), None)
            if earlier is not None and previous is not None and earlier <= previous.output_number:
                order_note = (
                    f"printed at output line {earlier}, but before the previous expected line "
                    f"(matched at output line {previous.output_number}): the order broke"
                )
        # Where the line was due: just after the previous expected line's match.
        due = hits[index - 1].output_number if index - 1 in hits else 0
        closest = closest_lines(matcher.normalized(expected.text), normal_output, due, limit)
        misses.append(Miss(index, expected.text, expected.source_line, closest, order_note))
        if order_note is None and sequence is not None:
            missed_in.add(sequence)
    return misses


def closest_lines(target: str, output: list[tuple[int, str]], due: int, limit: int) -> tuple[CloseLine, ...]:
    """The most similar output lines; among equally similar ones, the nearest after `due`."""
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(target)
    scored = []
    for number, text in output:
        matcher.set_seq1(text)
        if matcher.real_quick_ratio() < 0.3 or matcher.quick_ratio() < 0.3:
            continue
        scored.append(CloseLine(number, text, round(matcher.ratio(), 3)))
    scored.sort(key=lambda close: (-round(close.similarity, 2), close.output_number <= due,
                                   abs(close.output_number - due)))
    return tuple(close for close in scored[:limit] if close.similarity >= 0.3)
