"""Expected transcripts: what a job must print, and how to compare it.

A file is optional YAML front matter between `---` lines, then one expected line per
line, pasted as a docs page shows it. Inside a line `[..]` stands for any text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from runner.errors import InputError, read_input
from runner.transcript.normalize import DEFAULT_NORMALIZERS, NORMALIZERS

MATCH_MODES = ("exact", "substring", "regex")
ORDERS = ("sequential", "any")
STREAMS = ("stdout", "stderr", "both")
WILDCARD = "[..]"


@dataclass(frozen=True)
class ExpectedLine:
    text: str
    source_line: int  # 1-based line in the file it came from (0 when not from a file)


@dataclass(frozen=True)
class Expectation:
    lines: tuple[ExpectedLine, ...]
    match: str = "exact"
    order: str = "sequential"
    timeout_s: float | None = None
    stream: str = "both"
    normalizers: tuple[str, ...] = DEFAULT_NORMALIZERS
    source: str = ""  # the file it was read from, for reports
    front_matter: dict = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]


def compile_line(text: str, mode: str) -> re.Pattern[str]:
    """The pattern one (already normalised) expected line stands for."""
    if mode == "regex":
        return re.compile(text)
    body = ".*?".join(re.escape(piece) for piece in text.split(WILDCARD))
    return re.compile(body if mode == "substring" else f"^{body}$", re.DOTALL)


def _option(front: dict, key: str, allowed: tuple[str, ...], default: str, path: Path) -> str:
    value = front.get(key, default)
    if value not in allowed:
        raise InputError(f"front matter '{key}' is {value!r}; expected one of {', '.join(allowed)}", path, 2)
    return value


def parse_expected(text: str, path: Path) -> Expectation:
    lines = text.splitlines()
    front: dict = {}
    body_start = 0
    if lines and lines[0].strip() == "---":
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            raise InputError("front matter opened with '---' is never closed", path, 1) from None
        try:
            front = yaml.safe_load("\n".join(lines[1:end])) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise InputError(f"front matter: {problem}", path, line) from None
        if not isinstance(front, dict):
            raise InputError("front matter must be a YAML mapping", path, 2)
        body_start = end + 1
    unknown = set(front) - {"match", "order", "timeout", "stream", "normalize"}
    if unknown:
        raise InputError(f"front matter has unknown key(s): {', '.join(sorted(map(str, unknown)))}", path, 2)
    match = _option(front, "match", MATCH_MODES, "exact", path)
    order = _option(front, "order", ORDERS, "sequential", path)
    stream = _option(front, "stream", STREAMS, "both", path)
    timeout = front.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        raise InputError(f"front matter 'timeout' must be a positive number of seconds, not {timeout!r}", path, 2)
    normalizers = front.get("normalize", list(DEFAULT_NORMALIZERS))
    if not isinstance(normalizers, list) or any(name not in NORMALIZERS for name in normalizers):
        raise InputError(
            f"front matter 'normalize' must be a list of: {', '.join(NORMALIZERS)}", path, 2
        )
    expected = []
    for number, raw in enumerate(lines[body_start:], start=body_start + 1):
        if not raw.strip():
            continue
        if match == "regex":
            try:
                re.compile(raw)
            except re.error as exc:
                raise InputError(f"invalid regular expression: {exc}", path, number) from None
        expected.append(ExpectedLine(raw, number))
    if not expected:
        raise InputError("no expected lines", path, body_start + 1)
    return Expectation(
        lines=tuple(expected),
        match=match,
        order=order,
        timeout_s=float(timeout) if timeout is not None else None,
        stream=stream,
        normalizers=tuple(normalizers),
        source=str(path),
        front_matter=front,
    )


def load_expected(path: Path) -> Expectation:
    return parse_expected(read_input(path, "expected transcript"), path)


def render_expected(expectation: Expectation, observed: list[str]) -> str:
    """The file `--update-expected` writes: the same front matter, the observed lines."""
    head = ""
    if expectation.front_matter:
        head = "---\n" + yaml.safe_dump(expectation.front_matter, sort_keys=False) + "---\n"
    return head + "".join(line + "\n" for line in observed)
