"""The one error type for bad input: shown as `FILE:LINE: message`, exit code 2."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


def read_input(path: Path, what: str) -> str:
    """The text of an input file (line endings kept as written), or an InputError naming it."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what}: {exc}", path) from None
