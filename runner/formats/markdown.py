"""Markdown as the two readers the runner must agree with read it.

- A README, as mechanical-markdown reads it: through mistune (the same parser, so a STEP
  comment or a code fence indented inside a list item is found exactly where mm finds
  it), as a document-ordered stream of HTML blocks, code blocks and links, each with the
  README line it starts on (mistune keeps none: they are found again in the text).
- A docs page, as Hugo renders it: fences at any depth (inside list items and
  shortcodes), and an unclosed fence is an error.

And what no input file may hold: a NUL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import mistune  # the parser mechanical-markdown reads READMEs with

from runner.errors import InputError

_HUGO_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_ANY_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")


@dataclass(frozen=True)
class CodeBlock:
    lang: str  # the info string's first word, as written ("" when none)
    lines: tuple[str, ...]  # the body, the fence's indent taken off
    fence_line: int  # 1-based line of the opening fence; the body starts on the next line
    after: int  # 0-based index of the first line after the block (its closing fence included)

    def line_of(self, index: int) -> int:
        return self.fence_line + 1 + index


@dataclass(frozen=True)
class Block:
    """One piece of a README in mistune's reading: an HTML block, a code block or a link."""

    kind: str  # html | code | link
    text: str  # the HTML, the code, or the URL
    line: int  # 1-based README line it starts on
    info: str = ""  # a code block's info string


def hugo_fence_at(lines: list[str], index: int, path: Path) -> CodeBlock | None:
    """The code block whose opening fence is `lines[index]` (at any indent), or None when that
    line opens none; a fence never closed is an input error naming its line."""
    opening = _HUGO_FENCE.match(lines[index].rstrip("\r\n"))
    if not opening:
        return None
    indent, marker, info = len(opening.group(1)), opening.group(2), opening.group(3).strip()
    body = []
    for j in range(index + 1, len(lines)):
        text = lines[j].rstrip("\r\n")
        closing = text.strip()
        if closing and set(closing) == {marker[0]} and len(closing) >= len(marker):
            return CodeBlock(info.split(None, 1)[0] if info else "", tuple(body), index + 1, j + 1)
        body.append(text[min(indent, len(text) - len(text.lstrip(" "))):])
    raise InputError("code block is never closed", path, index + 1)


def _walk(tokens: list[dict], out: list[tuple[str, str, str]]) -> None:
    for token in tokens:
        kind = token.get("type")
        if kind == "block_html":
            out.append(("html", token.get("raw", ""), ""))
        elif kind == "block_code":
            out.append(("code", token.get("raw", ""), (token.get("attrs") or {}).get("info") or ""))
        elif kind == "link":
            out.append(("link", (token.get("attrs") or {}).get("url", ""), ""))
        children = token.get("children")
        if isinstance(children, list):
            _walk(children, out)


def readme_blocks(text: str) -> list[Block]:
    """The README's HTML blocks, code blocks and links in document order, as mistune (and so
    mechanical-markdown) sees them, each with the line it starts on."""
    found: list[tuple[str, str, str]] = []
    _walk(mistune.create_markdown(renderer=None)(text), found)
    lines = text.splitlines()
    stripped = [line.strip() for line in lines]
    blocks, cursor = [], 0
    for kind, body, info in found:
        line = _locate(kind, body, info, lines, stripped, cursor)
        blocks.append(Block(kind, body, line + 1, info))
        if kind == "code" and _ANY_FENCE.match(lines[line] if line < len(lines) else ""):
            cursor = line + 1 + body.count("\n") + 1  # past the body and its closing fence
        elif kind == "html":
            cursor = line + max(body.rstrip("\n").count("\n"), 0) + 1
        else:
            cursor = line
    return blocks


def _locate(kind: str, body: str, info: str, lines: list[str], stripped: list[str], cursor: int) -> int:
    """The 0-based line a block starts on: the next line at or after `cursor` that opens it."""
    if kind == "html":
        first = next((part.strip() for part in body.splitlines() if part.strip()), "")
        wanted = lambda i: stripped[i] == first  # noqa: E731
    elif kind == "code":
        wanted = lambda i: bool((m := _ANY_FENCE.match(lines[i])) and m.group(2) == info.strip())  # noqa: E731
    else:
        wanted = lambda i: body in lines[i]  # noqa: E731
    return next((i for i in range(cursor, len(lines)) if wanted(i)), min(cursor, max(len(lines) - 1, 0)))


def reject_nul_lines(lines: list[str], path: Path) -> None:
    """No path, argument or environment can hold a NUL: refuse it where it is written."""
    for number, line in enumerate(lines, start=1):
        if "\0" in line:
            raise InputError("the file contains a NUL character", path, number)

