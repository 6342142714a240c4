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


def mm_match(expected: list[str], output_lines: list[str], mode: str, order: str) -> StepMatch:
    remaining = list(output_lines)
    found: list[int] = []
    missing: list[str] = []
    for line in expected:
        if mode == "exact":
            index = remaining.index(line) if line in remaining else -1
        else:
            index = next((i for i, text in enumerate(remaining) if line in text), -1)
        if index < 0:
            missing.append(line)
            continue
        remaining[index] = ""  # taken, but positions stay put
        found.append(index)
    return StepMatch(tuple(found), tuple(missing), order == "sequential" and sorted(found) != found)


def split_output(text: str) -> list[str]:
    """Output lines as mechanical-markdown sees them (a plain split on newline)."""
    return text.split("\n")
