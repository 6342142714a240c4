"""Expected transcripts: what a job must print, and how to compare it.

A file is optional YAML front matter between `---` lines, then one expected line per
line, pasted as a docs page shows it. A line may end in a mark saying how it is read:
` (re)` a regular expression, ` (glob)` a glob. What the masks and marks mean is the
transcript's business (transcript/masks.py); this module reads and writes the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from runner.errors import InputError, read_input
from runner.formats.yamlfile import load_yaml

MATCH_MODES = ("exact", "substring", "regex")
ORDERS = ("sequential", "any", "per-app")  # per-app: in order within each `== APP - <id> == `
STREAMS = ("stdout", "stderr", "both")
NORMALIZER_NAMES = ("ansi", "whitespace", "spaces", "status_prefix", "punctuation", "timestamps", "ports", "ids")
# `spaces` (runs of spaces inside a line as one) is asked for: docs checks use it, an
# expected file may name it.
DEFAULT_NORMALIZERS = tuple(name for name in NORMALIZER_NAMES if name not in ("spaces", "punctuation", "ids"))
_MARK = re.compile(r"^(.*) \((re|glob)\)$")
_MASK_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_KEYS = {"match", "order", "timeout", "stream", "normalize", "masks"}


@dataclass(frozen=True)
class ExpectedLine:
    text: str  # without its mark
    source_line: int  # 1-based line in the file it came from (0 when not from a file)
    mark: str | None = None  # re | glob: how this one line is read

    @property
    def written(self) -> str:
        """The line as the file has it, mark and all."""
        return f"{self.text} ({self.mark})" if self.mark else self.text


@dataclass(frozen=True)
class Expectation:
    lines: tuple[ExpectedLine, ...]
    match: str = "exact"
    order: str = "sequential"
    timeout_s: float | None = None
    stream: str = "both"
    normalizers: tuple[str, ...] = DEFAULT_NORMALIZERS
    masks: tuple[tuple[str, str], ...] = ()  # the file's own named masks: (NAME, regular expression)
    source: str = ""  # the file it was read from, for reports
    front_matter: dict = field(default_factory=dict)


def _option(front: dict, key: str, allowed: tuple[str, ...], default: str, path: Path) -> str:
    value = front.get(key, default)
    if value not in allowed:
        raise InputError(f"front matter '{key}' is {value!r}; expected one of {', '.join(allowed)}", path, 2)
    return value


def parse_expected(text: str, path: Path) -> Expectation:
    lines = text.removeprefix("\ufeff").splitlines()  # a byte-order mark is no part of the front matter
    front: dict = {}
    body_start = 0
    if lines and lines[0].strip() == "---":
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            raise InputError("front matter opened with '---' is never closed", path, 1) from None
        front = load_yaml("\n".join(lines[1:end]), path, first_line=2) or {}
        if not isinstance(front, dict):
            raise InputError("front matter must be a YAML mapping", path, 2)
        body_start = end + 1
    unknown = set(map(str, front)) - _KEYS
    if unknown:
        raise InputError(f"front matter has unknown key(s): {', '.join(sorted(map(str, unknown)))}", path, 2)
    match = _option(front, "match", MATCH_MODES, "exact", path)
    order = _option(front, "order", ORDERS, "sequential", path)
    stream = _option(front, "stream", STREAMS, "both", path)
    timeout = front.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        raise InputError(f"front matter 'timeout' must be a positive number of seconds, not {timeout!r}", path, 2)
    normalizers = front.get("normalize", list(DEFAULT_NORMALIZERS))
    if not isinstance(normalizers, list) or any(name not in NORMALIZER_NAMES for name in normalizers):
        raise InputError(f"front matter 'normalize' must be a list of: {', '.join(NORMALIZER_NAMES)}", path, 2)
    masks = _masks(front.get("masks"), path)
    expected = []
    for number, raw in enumerate(lines[body_start:], start=body_start + 1):
        if not raw.strip():
            continue
        marked = _MARK.match(raw)
        line = ExpectedLine(marked.group(1), number, marked.group(2)) if marked else ExpectedLine(raw, number)
        if line.mark == "re" or (line.mark is None and match == "regex"):
            _check_regex(line.text, path, number)
        expected.append(line)
    if not expected:
        raise InputError("no expected lines", path, body_start + 1)
    return Expectation(
        lines=tuple(expected),
        match=match,
        order=order,
        timeout_s=float(timeout) if timeout is not None else None,
        stream=stream,
        normalizers=tuple(normalizers),
        masks=masks,
        source=str(path),
        front_matter=front,
    )


def _check_regex(text: str, path: Path, line: int) -> None:
    try:
        re.compile(text)
    except re.error as exc:
        raise InputError(f"invalid regular expression: {exc}", path, line) from None


def _masks(value: object, path: Path) -> tuple[tuple[str, str], ...]:
    line = getattr(value, "line", 2) or 2
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise InputError("front matter 'masks' must map NAME to a regular expression", path, line)
    for name, pattern in value.items():
        if not isinstance(name, str) or not _MASK_NAME.match(name) or not isinstance(pattern, str):
            raise InputError(f"front matter 'masks': {name!r} must be an upper-case NAME mapped to a "
                             "regular expression", path, line)
        _check_regex(pattern, path, line)
    return tuple(value.items())


def load_expected(path: Path) -> Expectation:
    return parse_expected(read_input(path, "expected transcript"), path)


def render_expected(expectation: Expectation, lines: list[str]) -> str:
    """An expected file with the same front matter and these lines (as written, marks and all)."""
    head = ""
    if expectation.front_matter:
        head = "---\n" + yaml.safe_dump(expectation.front_matter, sort_keys=False) + "---\n"
    return head + "".join(line + "\n" for line in lines)
