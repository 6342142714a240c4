"""Normalisers applied to both actual and expected lines before comparing them.

Each one is idempotent (applying it twice changes nothing more), so expected files can be
pasted from real output or from a docs page alike.
"""

from __future__ import annotations

import re
from typing import Callable

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# The dapr CLI puts one of these (and two spaces) before its status lines.
_STATUS_PREFIX = re.compile(r"^(?:(?:\u2139\ufe0f?|\u2705|\u274c|\u26a0\ufe0f?|\U0001f197|\u231b)\s+)+")
_GO_LOG_TIME = re.compile(r"\b\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?")
_ISO_TIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?![\d.,:])"
)
TIMESTAMP = "[TIMESTAMP]"
# Ports on this machine are picked per run (the sidecar's, an app's): never part of a verdict.
_LOCAL_PORT = re.compile(r"\b(127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1\]):\d{1,5}\b")
PORT = "[PORT]"


def strip_ansi(line: str) -> str:
    # Repeat: removing one sequence can join the pieces of another.
    while "\x1b" in line:
        stripped = _ANSI.sub("", line)
        if stripped == line:
            return line
        line = stripped
    return line


def strip_whitespace(line: str) -> str:
    return line.replace("\r", "").rstrip()


def strip_status_prefix(line: str) -> str:
    return _STATUS_PREFIX.sub("", line) if line and not line[0].isascii() else line


def mask_timestamps(line: str) -> str:
    return _ISO_TIME.sub(TIMESTAMP, _GO_LOG_TIME.sub(TIMESTAMP, line))


def mask_local_ports(line: str) -> str:
    return _LOCAL_PORT.sub(lambda m: f"{m.group(1)}:{PORT}", line)


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "ansi": strip_ansi,
    "whitespace": strip_whitespace,
    "status_prefix": strip_status_prefix,
    "timestamps": mask_timestamps,
    "ports": mask_local_ports,
}
DEFAULT_NORMALIZERS: tuple[str, ...] = tuple(NORMALIZERS)


def normalizer(names: tuple[str, ...] = DEFAULT_NORMALIZERS) -> Callable[[str], str]:
    """Compose the named normalisers; repeated to a fixed point, since one can expose work
    for another (removing a CR can complete an escape sequence, removing an escape can
    leave trailing spaces), which keeps the composition idempotent."""
    chosen = [NORMALIZERS[name] for name in NORMALIZERS if name in names]

    def apply(line: str) -> str:
        for _ in range(8):
            before = line
            for step in chosen:
                line = step(line)
            if line == before:
                break
        return line

    return apply
