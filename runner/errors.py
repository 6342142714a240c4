"""The runner's errors, one hierarchy; the command line maps them to exit codes in one place
(cli/main.py):

- `InputError`: bad input (a README, expected file, docs page, dapr.yaml, option, ref), shown
  as `FILE:LINE: message`, exit 2;
- `ProvisionError`: daprd, placement, scheduler or the dapr CLI can be neither found nor built
  here, exit 2;
- `JobError`: one job cannot go on (a service that did not start, a sidecar, an app, a build,
  a port): never leaves its job, whose verdict quotes it.
"""

from __future__ import annotations

from pathlib import Path


class RunnerError(Exception):
    exit_code = 1


class InputError(RunnerError):
    exit_code = 2

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


class ProvisionError(RunnerError):
    exit_code = 2

    def __str__(self) -> str:
        return f"provision: {super().__str__()}"


class JobError(RunnerError):
    """Why one job cannot go on; its verdict's reason is `reason`."""

    prefix = ""  # what the reason starts with (`prepare failed: `)

    @property
    def reason(self) -> str:
        return f"{self.prefix}{super().__str__()}"


def read_input(path: Path, what: str) -> str:
    """The text of an input file (line endings kept as written), or an InputError naming it."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what}: {exc}", path) from None
