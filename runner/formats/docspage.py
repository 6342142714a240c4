"""A Hugo docs page with `{{< tabs ... >}}` and `{{% codetab %}}` blocks, split into language tabs.

For each tab: its code blocks with page line numbers, the `cd` target, the install/build
commands, the `dapr run` command, the output block (`== APP == ` lines) and the files
the page asks the reader to verify.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from runner.errors import InputError, read_input
from runner.formats.markdown import CodeBlock, hugo_fence_at, reject_nul_lines

_TABS = re.compile(r"\{\{<\s*tabs\s+(.*?)>\}\}")
_CODETAB_OPEN = re.compile(r"\{\{%\s*codetab\s*%\}\}")
_CODETAB_CLOSE = re.compile(r"\{\{%\s*/codetab\s*%\}\}")
_UNCLOSED_SHORTCODE = re.compile(r"\{\{(<)(?!.*>\}\})|\{\{(%)(?!.*%\}\})")
_VERIFY_ITEM = re.compile(r"^\s*[-*]\s+`([^`]+)`")
APP_PREFIX = "== APP =="
SHELL_LANGS = ("bash", "sh", "shell", "shell-script", "console", "")


@dataclass(frozen=True)
class PageCommand:
    text: str
    line: int


@dataclass
class Tab:
    name: str
    start_line: int
    end_line: int
    blocks: list[CodeBlock] = field(default_factory=list)
    cd: PageCommand | None = None
    installs: list[PageCommand] = field(default_factory=list)
    dapr_run: PageCommand | None = None
    output: CodeBlock | None = None
    verify_files: list[PageCommand] = field(default_factory=list)


@dataclass
class Page:
    path: Path
    lines: list[str]  # as read, with their line endings
    tabs: list[Tab]


def _tab_names(arguments: str) -> list[str]:
    try:
        return shlex.split(arguments)
    except ValueError:
        return re.findall(r'"([^"]*)"', arguments)


def _blocks(lines: list[str], start: int, end: int, path: Path) -> list[CodeBlock]:
    blocks, inside = [], lines[:end]  # a fence left open at the tab's end is never closed
    i = start
    while i < end:
        block = hugo_fence_at(inside, i, path)
        if block is None:
            i += 1
            continue
        blocks.append(block)
        i = block.after
    return blocks


def _fill(tab: Tab, lines: list[str]) -> None:
    after_run = False
    for block in tab.blocks:
        app_lines = [text for text in block.lines if text.strip()]
        if after_run and tab.output is None and app_lines and all(t.lstrip().startswith(APP_PREFIX) for t in app_lines):
            tab.output = block
            continue
        if block.lang.lower() not in SHELL_LANGS:
            continue
        for index, text in enumerate(block.lines):
            command = text.strip()
            if not command or command.startswith("#"):
                continue
            line = block.line_of(index)
            if command.startswith("git clone"):
                continue
            if re.match(r"^cd\s+\S", command) and tab.cd is None and not after_run:
                tab.cd = PageCommand(command.split(None, 1)[1].strip(), line)
            elif command.startswith("dapr run"):
                if tab.dapr_run is None:
                    tab.dapr_run = PageCommand(command, line)
                after_run = True
            elif tab.cd is not None and not after_run:
                tab.installs.append(PageCommand(command, line))
    verifying = False
    for number in range(tab.start_line, tab.end_line):
        text = lines[number - 1].rstrip("\r\n")
        if "verify" in text.lower() and "following files" in text.lower():
            verifying = True
            continue
        if verifying:
            item = _VERIFY_ITEM.match(text)
            if item:
                tab.verify_files.append(PageCommand(item.group(1), number))
            elif text.strip():
                verifying = False


def parse_page(text: str, path: Path) -> Page:
    lines = text.splitlines(keepends=True)
    reject_nul_lines(lines, path)
    names: list[str] = []
    names_line = 0
    tabs: list[Tab] = []
    open_line: int | None = None
    for number, raw in enumerate(lines, start=1):
        unclosed = _UNCLOSED_SHORTCODE.search(raw)
        if unclosed:
            opening, closing = ("{{<", ">}}") if unclosed.group(1) else ("{{%", "%}}")
            raise InputError(f"shortcode is never closed: no `{closing}` after `{opening}` on its line", path, number)
        match = _TABS.search(raw)
        if match:
            names = _tab_names(match.group(1))
            names_line = number
            continue
        if _CODETAB_OPEN.search(raw):
            if open_line is not None:
                raise InputError(f"{{{{% codetab %}}}} opened while the tab from line {open_line} is still open", path, number)
            open_line = number
        elif _CODETAB_CLOSE.search(raw):
            if open_line is None:
                raise InputError("{{% /codetab %}} without a {{% codetab %}} before it", path, number)
            index = len(tabs)
            name = names[index] if index < len(names) else f"tab {index + 1}"
            tabs.append(Tab(name, open_line, number))
            open_line = None
    if open_line is not None:
        raise InputError("{{% codetab %}} is never closed with {{% /codetab %}}", path, open_line)
    if not tabs:
        raise InputError("no {{% codetab %}} blocks: not a tabbed docs page", path, 1)
    if names and len(names) != len(tabs):
        raise InputError(f"the tabs shortcode names {len(names)} tabs but the page has {len(tabs)} codetab blocks",
                         path, names_line)
    for tab in tabs:
        tab.blocks = _blocks(lines, tab.start_line, tab.end_line - 1, path)
        _fill(tab, lines)
    return Page(path, lines, tabs)


def load_page(path: Path) -> Page:
    return parse_page(read_input(path, "docs page"), path)
