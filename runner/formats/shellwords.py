"""A README command block as the shell reads it, well enough to know what it calls: each simple
command's words, with the folder it runs in (following the `cd`s before it in the block).

Continued lines are joined; commands are split at newlines, `&&`, `||`, `;` and `|`; a leading
`VAR=value` is the command's environment, not its name. A line the shell could not split
either (an open quote) is skipped: the shell will say what is wrong when it runs.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterator

_SEPARATOR_CHARS = ";&|"
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True)
class ShellCall:
    words: tuple[str, ...]  # the command and its arguments (no leading VAR=value)
    cwd: PurePosixPath  # where it runs, relative to where the block starts ("." there)
    line: str  # the simple command as written

    @property
    def program(self) -> str:
        return self.words[0] if self.words else ""


def shell_calls(block: str, cwd: PurePosixPath = PurePosixPath(".")) -> Iterator[ShellCall]:
    """The simple commands of a block, in order, each with the folder it runs in."""
    for line in block.replace("\\\n", " ").splitlines():
        for part in _pieces(line):
            try:
                words = shlex.split(part, comments=True)
            except ValueError:
                continue
            while words and _ASSIGNMENT.match(words[0]):
                words = words[1:]
            if not words:
                continue
            if words[0] == "cd" and len(words) == 2:
                cwd = PurePosixPath(posixpath.normpath(cwd / words[1]))
            yield ShellCall(tuple(words), cwd, part.strip())


def _pieces(line: str) -> list[str]:
    """A line cut at `&&`, `||`, `;`, `|` (and a lone `&`) outside quotes: `python3 -c "a; b"` is one command."""
    pieces, current, quote, i = [], [], None, 0
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\" and quote == '"' and i + 1 < len(line):
                current += [char, line[i + 1]]
                i += 2
                continue
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "\\" and i + 1 < len(line):
            current += [char, line[i + 1]]
            i += 2
            continue
        elif char == "#" and (not current or current[-1].isspace()):
            break  # a comment to the end of the line
        elif char in _SEPARATOR_CHARS:
            pieces.append("".join(current))
            current = []
            while i + 1 < len(line) and line[i + 1] in _SEPARATOR_CHARS:
                i += 1
            i += 1
            continue
        current.append(char)
        i += 1
    pieces.append("".join(current))
    return pieces


def starts_with(words: tuple[str, ...], prefix: tuple[str, ...]) -> bool:
    """Whether a command is `prefix` (`("npm", "install")`), flags between words allowed
    (`pip3 install -r ...`, `python -m pip install`)."""
    if not words or not prefix or PurePosixPath(words[0]).name != prefix[0]:
        return False
    rest = [word for word in words[1:] if not word.startswith("-")]
    return rest[:len(prefix) - 1] == list(prefix[1:])


def last_command(block: str) -> str:
    """A block's last line: the command whose exit status the block returns (bash runs on after a failure)."""
    return next((line.strip() for line in reversed(block.splitlines()) if line.strip()), block.strip())


def exported(block: str) -> dict[str, str] | None:
    """What a block of `export NAME=value` lines sets in its reader's shell; None for a block that
    does anything else."""
    calls = list(shell_calls(block))
    if not calls or any(call.words[0] != "export" for call in calls):
        return None
    return {name: value for call in calls for word in call.words[1:] if "=" in word
            for name, value in [word.split("=", 1)]}
