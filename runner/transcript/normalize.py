"""Normalisers applied to both actual and expected lines before comparing them.

Each one is idempotent (applying it twice changes nothing more), so expected files can be
pasted from real output or from a docs page alike.
"""

from __future__ import annotations

import re
from typing import Callable

from runner.formats.cli_lines import ESCAPE_SEQUENCE
from runner.formats.expected import DEFAULT_NORMALIZERS, NORMALIZER_NAMES
from runner.transcript.masks import BUILTIN_MASKS, declared_masks

_SPACES = re.compile(r"(?<=\S) {2,}(?=\S)")
# The dapr CLI puts one of these (and two spaces) before its status lines.
_STATUS_PREFIX = re.compile(r"^(?:(?:\u2139\ufe0f?|\u2705|\u274c|\u26a0\ufe0f?|\U0001f197|\u231b)\s+)+")


def strip_ansi(line: str) -> str:
    # Repeat: removing one sequence can join the pieces of another.
    while "\x1b" in line:
        stripped = ESCAPE_SEQUENCE.sub("", line)
        if stripped == line:
            return line
        line = stripped
    return line


def strip_whitespace(line: str) -> str:
    return line.replace("\r", "").rstrip()


def collapse_spaces(line: str) -> str:
    return _SPACES.sub(" ", line)


def strip_status_prefix(line: str) -> str:
    return _STATUS_PREFIX.sub("", line) if line and not line[0].isascii() else line


_TRAILING_PUNCTUATION = re.compile(r"(?<=[\w\"')\]}])[.!;,]+$")  # after a word, or a JSON field's `",`


def strip_trailing_punctuation(line: str) -> str:
    """A reader calls `Saved state.` and `Saved state` the same line (a page's elision `...` is kept)."""
    return _TRAILING_PUNCTUATION.sub("", line) if not line.endswith("...") else line


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "ansi": strip_ansi,
    "whitespace": strip_whitespace,
    "spaces": collapse_spaces,
    "status_prefix": strip_status_prefix,
    "punctuation": strip_trailing_punctuation,
    **BUILTIN_MASKS,
}
assert tuple(NORMALIZERS) == NORMALIZER_NAMES, "the expected-file format names every normaliser, in order"


def normalizer(names: tuple[str, ...] = DEFAULT_NORMALIZERS, masks: tuple[tuple[str, str], ...] = ()) -> Callable[[str], str]:
    """Compose the named normalisers; repeated to a fixed point, since one can expose work
    for another (removing a CR can complete an escape sequence, removing an escape can
    leave trailing spaces), which keeps the composition idempotent."""
    chosen = [NORMALIZERS[name] for name in NORMALIZERS if name in names] + declared_masks(masks)

    def apply(line: str) -> str:
        for _ in range(8):
            before = line
            for step in chosen:
                line = step(line)
            if line == before:
                break
        return line

    return apply
