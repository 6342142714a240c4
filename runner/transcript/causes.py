"""What in a tool's output says why it failed: the line a person would look for first."""

from __future__ import annotations

import re

from runner.transcript.normalize import strip_ansi

# The first line of one of these, in the order a tool prints them, names the cause.
_CAUSES = [
    re.compile(r"^\[ERROR\] (?!\s*$)(?!-> \[Help)(?!Re-run Maven)(?!To see the full)(?!For more information)"),  # mvn
    re.compile(r"^npm (ERR!|error) "),
    re.compile(r"^ERROR: "),  # pip
    re.compile(r"^\S+\.go:\d+:\d+: "),  # the go compiler
    re.compile(r"^(go: |fatal: |error: |Error: )"),
    re.compile(r"^\w+(Error|Exception): "),  # a Python traceback's last line, a Java exception
    re.compile(r"no such file or directory", re.I),  # a file the app (or a step) needs is not there
    re.compile(r"^needs Docker: "),
]


def cause(output: str) -> str | None:
    """The line of `output` that names why a tool failed, ANSI stripped; None when none does."""
    lines = [strip_ansi(line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line]
    for pattern in _CAUSES:
        found = next((line for line in lines if pattern.search(line)), None)
        if found:
            return found
    return None
