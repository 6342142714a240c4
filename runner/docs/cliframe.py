"""A docs page's app lines as the dapr CLI frames them: pages written for CLI 1.16 show a one-app
`dapr run`'s lines behind `== APP == `, which CLI 1.17 and later no longer print (a multi-app
run's `== APP - <id> == ` stays). Said once per page; `--write --cli-format 1.17` drops it."""

from __future__ import annotations

import re

from runner.formats.cli_lines import ONE_APP_LABEL, prints_bare_app_lines

_FENCE = re.compile(r"^\s*(```|~~~)")
_LABELLED = re.compile(r"^(\s*)" + re.escape(ONE_APP_LABEL))


def labelled_lines(lines: list[str]) -> list[int]:
    """The 1-based page lines, inside code blocks, that start with the one-app label."""
    found, inside = [], False
    for number, line in enumerate(lines, 1):
        if _FENCE.match(line):
            inside = not inside
        elif inside and _LABELLED.match(line):
            found.append(number)
    return found


def page_note(lines: list[str]) -> str | None:
    """What a reader with today's CLI should know of this page's app lines, or None."""
    labelled = labelled_lines(lines)
    if not labelled:
        return None
    return (f"{len(labelled)} app line(s) from line {labelled[0]} on show `{ONE_APP_LABEL.strip()}` before them, as dapr "
            "CLI 1.16 printed a one-app `dapr run`; CLI 1.17 and later print them bare (they were compared without "
            "it). `docs check --write --cli-format 1.17` drops it")


def for_cli(text: str, cli_format: str | None) -> str:
    """The page's text as that CLI prints its app lines: the one-app label dropped from 1.17 on."""
    if not prints_bare_app_lines(cli_format):
        return text
    lines = text.splitlines(keepends=True)
    for number in labelled_lines(lines):
        lines[number - 1] = _LABELLED.sub(r"\1", lines[number - 1], count=1)
    return "".join(lines)
