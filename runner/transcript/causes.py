"""What in a tool's output says why it failed: the line a person would look for first."""

from __future__ import annotations

import re

from runner.transcript.normalize import strip_ansi

# A build tool's own error line: a build that printed one failed, whatever its exit code
# said (a README block ending in `cd ..` returns 0 after a failed `mvn install`).
_BUILD_ERRORS = [
    re.compile(r"^\[ERROR\] (?!\s*$)(?!-> \[Help)(?!\[Help)(?!Re-run Maven)(?!To see the full)(?!For more information)"),  # mvn
    re.compile(r"^npm (ERR!|error) "),
    re.compile(r"^ERROR: "),  # pip
    re.compile(r"^\S+\.go:\d+:\d+: "),  # the go compiler
    re.compile(r"^(?:\S.*?)? ?: error [A-Z]+\d+: (?!\s*- )"),  # MSBuild: NuGet (NU1101) and the C# compiler (CS0246)
]
# The first line of one of these, in the order a tool prints them, names the cause.
_CAUSES = [
    *_BUILD_ERRORS,
    re.compile(r"^(go: |fatal: |error: |Error: )"),
    re.compile(r"^\w+(Error|Exception): "),  # a Python traceback's last line, a Java exception
    re.compile(r"no such file or directory", re.I),  # a file the app (or a step) needs is not there
    re.compile(r"^needs Docker: "),
    # `dotnet run` could not apply the launch profile (its URLs, its environment): the app starts without it.
    re.compile(r"^An error was encountered when reading '.*launchSettings\.json'"),
]


def _first(output: str, patterns: list[re.Pattern]) -> str | None:
    lines = [strip_ansi(line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line]
    for pattern in patterns:
        found = next((line for line in lines if pattern.search(line)), None)
        if found:
            return found
    return None


def cause(output: str) -> str | None:
    """The line of `output` that names why a tool failed, ANSI stripped; None when none does."""
    return _first(output, _CAUSES)


def build_error(output: str) -> str | None:
    """A build tool's error line in `output` (mvn, npm, pip, the go compiler, MSBuild), ANSI stripped."""
    return _first(output, _BUILD_ERRORS)


def says_why(line: str) -> bool:
    """Whether `line` is one a person would look for first in a failed tool's output."""
    line = strip_ansi(line).strip()
    return any(pattern.search(line) for pattern in _CAUSES)


_MISSING_FILE = [
    re.compile(r"No such file or directory: '([^']+)'"),  # Python
    re.compile(r"open (\S+): no such file or directory"),  # Go
    re.compile(r"ENOENT: no such file or directory, \w+ '([^']+)'"),  # Node.js
    re.compile(r"Unable to access jarfile (\S+)"),  # java -jar
    re.compile(r"(\S+) \(No such file or directory\)"),  # Java's FileNotFoundException
]


def missing_file(line: str) -> str | None:
    """The file a tool said it could not find, as it named it."""
    for pattern in _MISSING_FILE:
        if found := pattern.search(line):
            return found.group(1)
    return None
