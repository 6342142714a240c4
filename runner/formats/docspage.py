"""A Hugo docs page of the Dapr docs, split into its language tabs (found by docstabs.py: both
shortcode formats, several groups a page, Hugo's leniencies); the blocks of a nested tab for
another OS than this one are kept apart (checked statically only).

For each tab: its code blocks with page line numbers and its app runs, each a `dapr run`
(or `dapr run -f`) with the folder it runs in (the `cd`s before it), the install/build
commands run there first, and the output blocks (`== APP ==` lines) that show what it prints.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from runner.errors import InputError, read_input
from runner.formats.docstabs import tab_spans
from runner.formats.markdown import CodeBlock, hugo_fence_at, reject_nul_lines

_VERIFY_ITEM = re.compile(r"^\s*[-*]\s+`([^`]+)`")
_NAMED = re.compile(r"`([^`\s]+)`")
# What a tab runs before its app: the build and install tools (a shell block may also show
# output, `docker ps`'s table say, which is not a command).
BUILD_TOOLS = {"pip", "pip3", "python", "python3", "uv", "poetry", "npm", "npx", "yarn", "pnpm", "node", "go", "mvn",
               "./mvnw", "gradle", "./gradlew", "dotnet", "cargo", "make", "export", "source"}
APP_PREFIX = "== APP"
SHELL_LANGS = ("bash", "sh", "shell", "shell-script", "console", "")
# What a reader of a quickstart page types that a check does not: the clone is the checkout,
# `dapr init` is the runner's own services.
NOT_RUN = ("git clone", "dapr init", "dapr uninstall")


@dataclass(frozen=True)
class PageCommand:
    text: str
    line: int
    folder: str | None = None  # where it runs, from the tree's root (install and build commands)


@dataclass
class AppRun:
    """One `dapr run` of a tab, where it runs, what is run there first, and what it shows."""

    dapr_run: PageCommand
    folder: str | None  # from the tree's root, following the `cd`s before it; None: no `cd`
    cd: PageCommand | None  # the last `cd` before it
    installs: list[PageCommand] = field(default_factory=list)  # since the run before it, each with its folder
    outputs: list[CodeBlock] = field(default_factory=list)
    named: set[int] = field(default_factory=set)  # fence lines of the outputs whose label names this run

    @property
    def multi_app(self) -> bool:
        return bool(re.match(r"dapr\s+run\s+(-f|--run-file)\b", self.dapr_run.text))


@dataclass
class Tab:
    name: str
    start_line: int
    end_line: int
    group: str  # the heading above the tab's group ("" when there is none)
    group_line: int
    blocks: list[CodeBlock] = field(default_factory=list)
    runs: list[AppRun] = field(default_factory=list)
    services: list[PageCommand] = field(default_factory=list)  # `docker compose up` and the folder it runs in
    verify_files: list[PageCommand] = field(default_factory=list)
    elsewhere: list[CodeBlock] = field(default_factory=list)  # blocks of nested tabs for another OS
    cds: list[PageCommand] = field(default_factory=list)  # every `cd`, resolved from the tree's root
    commands: list[PageCommand] = field(default_factory=list)  # every other command in order, with its folder

    @property
    def outputs(self) -> list[CodeBlock]:
        return [block for run in self.runs for block in run.outputs]


@dataclass
class Page:
    path: Path
    lines: list[str]  # as read, with their line endings
    tabs: list[Tab]


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


def _shell_lines(block: CodeBlock):
    """The block's commands with their page lines, a backslash-continued command joined."""
    pending, first = "", 0
    for index, text in enumerate(block.lines):
        stripped = text.strip()
        if not pending:
            first = block.line_of(index)
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        command, pending = (pending + stripped).strip(), ""
        if command and not command.startswith("#"):
            yield PageCommand(re.sub(r"\s+", " ", command), first)


def _cd_target(current: str | None, target: str) -> str:
    """Where a `cd` leads, from the tree's root: from the root when nothing came before, or when
    it names the building block the reader is already in (a new terminal); else from there."""
    target = target.strip().strip("'\"").rstrip("/") or "."
    plain = posixpath.normpath(target)
    if current is None or plain.split("/")[0] == current.split("/")[0]:
        return plain
    return posixpath.normpath(posixpath.join(current, target))


def _is_output(block: CodeBlock) -> bool:
    """A block of what apps print: it opens with an `== APP` line and they are most of it (the
    CLI's own lines, "Exited App successfully", may close it)."""
    text = [line.strip() for line in block.lines if line.strip()]
    apps = sum(line.startswith(APP_PREFIX) for line in text)
    return bool(text) and text[0].startswith(APP_PREFIX) and apps * 2 >= len(text)


def app_lines(block: CodeBlock) -> list[tuple[str, int]]:
    """An output block's `== APP` lines with their page lines."""
    return [(text.strip(), block.line_of(i)) for i, text in enumerate(block.lines) if text.strip().startswith(APP_PREFIX)]


def _app_id(text: str) -> str | None:
    found = re.search(r"--app-id[ =](\S+)", text)
    return found.group(1) if found else None


def _earlier_run(runs: list[AppRun], text: str) -> AppRun | None:
    """The last run of the app a `dapr run` starts again (a restart), if it ran before."""
    app_id = _app_id(text) if text.startswith("dapr run") else None
    return next((run for run in reversed(runs) if app_id and _app_id(run.dapr_run.text) == app_id), None)


def _labelled_run(runs: list[AppRun], label: str) -> AppRun | None:
    """The run an output block's caption (the last line of text above it) names, "`checkout`
    service output": of the runs before the block that it names, the latest (a restarted app's
    output is its latest run's); none when the caption names apps of different runs."""
    caption = next((line for line in reversed(label.splitlines()) if line.strip()), "")
    names = set(_NAMED.findall(caption))
    named = []
    for run in runs:
        app_id = _app_id(run.dapr_run.text)  # else the folder names the app
        candidates = {app_id} if app_id else {posixpath.basename(run.folder)} if run.folder else set()
        if names & candidates:
            named.append((frozenset(names & candidates), run))
    return named[-1][1] if named and len({which for which, _ in named}) == 1 else None


def _fill(tab: Tab, lines: list[str]) -> None:
    folder: str | None = None
    cd: PageCommand | None = None
    installs: list[PageCommand] = []
    previous_end = tab.start_line
    for block in tab.blocks:
        label = "".join(lines[previous_end:block.fence_line - 1])
        previous_end = block.after
        if _is_output(block):
            if tab.runs:
                named = _labelled_run(tab.runs, label)
                (named or tab.runs[-1]).outputs.append(block)
                if named:
                    named.named.add(block.fence_line)
            continue
        if block.lang.lower() not in SHELL_LANGS:
            continue
        for command in _shell_lines(block):
            text = command.text
            if text.startswith(NOT_RUN):
                continue
            again = _earlier_run(tab.runs, text)
            if again is not None:  # an app run again runs in its terminal, where it ran before
                folder, cd = again.folder, again.cd
            if not re.match(r"^cd\s+\S", text):
                tab.commands.append(PageCommand(text, command.line, folder or "."))
            if text.startswith("dapr stop"):
                continue
            if re.match(r"^cd\s+\S", text):
                folder = _cd_target(folder, text.split(None, 1)[1])
                cd = PageCommand(text.split(None, 1)[1].strip(), command.line)
                tab.cds.append(PageCommand(folder, command.line))
            elif text.startswith("dapr run"):
                tab.runs.append(AppRun(command, folder, cd, installs))
                installs = []
            elif re.match(r"^docker[ -]compose\b.*\bup\b", text):
                tab.services.append(PageCommand(folder or ".", command.line))
            elif folder is not None and text.split()[0] in BUILD_TOOLS:
                installs.append(PageCommand(text, command.line, folder))
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
    spans = tab_spans(lines, path)
    if not spans:
        raise InputError("no language tabs ({{% codetab %}} or {{% tab %}} blocks): not a tabbed docs page", path, 1)
    tabs = []
    for span in spans:
        tab = Tab(span.name, span.start_line, span.end_line, span.group, span.group_line)
        blocks = _blocks(lines, tab.start_line, tab.end_line - 1, path)
        tab.elsewhere = [b for b in blocks if any(start < b.fence_line < end for start, end in span.elsewhere)]
        tab.blocks = [b for b in blocks if b not in tab.elsewhere]
        _fill(tab, lines)
        tabs.append(tab)
    return Page(path, lines, tabs)


def load_page(path: Path) -> Page:
    return parse_page(read_input(path, "docs page"), path)
