"""Slicing a selection for a CI matrix: `I/N`, each item in exactly one slice; dealt round-robin by
name, or, given each item's duration in an earlier run, balanced: longest first, each to the
slice that is shortest so far, so the slowest slice is as short as it can be made."""

from __future__ import annotations

import statistics
from typing import Callable, TypeVar

from runner.errors import InputError

T = TypeVar("T")
UNKNOWN_S = 60.0  # an item no earlier run timed, when no item was timed


def parse_shard(text: str) -> tuple[int, int]:
    index, sep, total = text.partition("/")
    if not sep or not index.isdigit() or not total.isdigit() or not 1 <= int(index) <= int(total):
        raise InputError(f"wants I/N with 1 <= I <= N, not {text!r}", "--shard")
    return int(index), int(total)


def slices(items: list[T], total: int, key: Callable[[T], str] = str,
           durations: dict[str, float] | None = None) -> list[list[T]]:
    """`items` in `total` slices. Without durations: sorted by `key`, dealt round-robin. With
    them: longest first (an item not timed counts as the median of those that were), each to the
    slice with the least time so far (ties: the lower slice), so every run of the same inputs
    deals the same."""
    ordered = sorted(items, key=key)
    if not durations:
        return [[item for position, item in enumerate(ordered) if position % total == index] for index in range(total)]
    typical = statistics.median(durations.values())
    weight = {key(item): durations.get(key(item), typical) for item in ordered}
    loads, dealt = [0.0] * total, [[] for _ in range(total)]
    for item in sorted(ordered, key=lambda item: -weight[key(item)]):
        lightest = min(range(total), key=lambda index: (loads[index], index))
        dealt[lightest].append(item)
        loads[lightest] += weight[key(item)]
    return [sorted(part, key=key) for part in dealt]


def shard(items: list[T], index: int, total: int, key: Callable[[T], str] = str,
          durations: dict[str, float] | None = None) -> list[T]:
    """The index-th of `total` slices (1-based)."""
    return slices(items, total, key, durations)[index - 1]


def expected_load(part: list[T], key: Callable[[T], str], durations: dict[str, float]) -> float:
    """What a slice should take, by the earlier run's durations."""
    typical = statistics.median(durations.values()) if durations else UNKNOWN_S
    return sum(durations.get(key(item), typical) for item in part)
