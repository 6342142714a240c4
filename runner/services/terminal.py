"""What a terminal shows of a line an app wrote: a carriage return or a move to the first column
(`ESC[G`, `ESC[1G`) writes over what came before it, an erase (`ESC[K`) clears the rest. npm's
spinner frame before a script's own line (`⠙ ESC[1G ESC[0K Order passed`) is gone, as a reader sees it."""

from __future__ import annotations

import re

from runner.formats.cli_lines import ESCAPE_SEQUENCE, split_label

_TO_FIRST_COLUMN = re.compile(r"\r|\x1b\[1?G")
_ERASE = re.compile(r"^\x1b\[[02]?K")


def _overwritten(text: str) -> str:
    shown = ""
    for piece in _TO_FIRST_COLUMN.split(text):
        visible = ESCAPE_SEQUENCE.sub("", piece)
        shown = visible if _ERASE.match(piece) else visible + shown[len(visible):]
    return shown


def shown(line: str) -> str:
    """The line as a terminal shows it (unchanged when nothing in it moves back to column one);
    a label the CLI put before the app's text stays."""
    if not _TO_FIRST_COLUMN.search(line):
        return line
    label, own = split_label(line) or (None, line)
    kept = line[:len(line) - len(own)]
    return kept + _overwritten(own)
