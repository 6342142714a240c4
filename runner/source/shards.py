"""Splitting a selection of jobs over N machines: deterministic, each job in exactly one shard."""

from __future__ import annotations

from runner.errors import InputError


def parse_shard(text: str) -> tuple[int, int]:
    index, sep, total = text.partition("/")
    if not sep or not index.isdigit() or not total.isdigit() or not 1 <= int(index) <= int(total):
        raise InputError(f"wants I/N with 1 <= I <= N, not {text!r}", "--shard")
    return int(index), int(total)


def shard(items: list, index: int, total: int, key=lambda item: item) -> list:
    """The index-th of `total` slices (1-based): sorted by `key`, dealt round-robin."""
    ordered = sorted(items, key=key)
    return [item for position, item in enumerate(ordered) if position % total == index - 1]
