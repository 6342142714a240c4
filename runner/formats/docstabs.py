"""Where a Hugo docs page's tabs are: its tab shortcodes (`{{< tabs "Python" "Go" >}}` with
`{{% codetab %}}`, Docsy's `{{< tabpane >}}` with `{{% tab "Python" %}}`) followed as they nest,
each top-level tab with its name, its lines, the heading above its group, and the lines of the
tabs nested in it for another OS. Shortcodes that do not nest are an input error at the line
that breaks them."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from runner.errors import InputError

_SHORTCODE = re.compile(r"\{\{([<%])\s*(/?)\s*(tabs|tabpane|codetab|tab)\b(.*?)([%>])\}\}")
_UNCLOSED_SHORTCODE = re.compile(r"\{\{(<)(?!.*>\}\})|\{\{(%)(?!.*%\}\})")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_TAB_NAME = re.compile(r"""^\s*(?:(?:header|name|title)\s*=\s*)?(?:"([^"]*)"|(\S+))""")
GROUPS = ("tabs", "tabpane")
# Tabs for another OS than this one (a POSIX shell): their commands are not run here.
OTHER_OS = {"windows", "powershell", "cmd", "windowscmd"}


@dataclass(frozen=True)
class TabSpan:
    name: str
    start_line: int
    end_line: int
    group: str  # the heading above its group ("" when there is none)
    group_line: int
    elsewhere: list[tuple[int, int]]  # the lines of its nested tabs for another OS (start, end)


@dataclass
class _Group:
    line: int
    names: list[str]
    heading: str
    count: int = 0  # tabs opened so far


@dataclass
class _OpenTab:
    line: int
    name: str
    group: _Group
    nested: list[tuple[str, int, int]] = field(default_factory=list)  # nested tabs: name, start, end


def _group_names(arguments: str) -> list[str]:
    words = re.sub(r"\b\w+\s*=\s*(\"[^\"]*\"|\S+)", "", arguments)  # tabpane's options (text=true)
    try:
        return shlex.split(words)
    except ValueError:
        return re.findall(r'"([^"]*)"', words)


def _tab_name(arguments: str) -> str | None:
    found = _TAB_NAME.search(arguments)
    if not found:
        return None
    return next(name for name in found.groups() if name is not None)


def _shortcodes(lines: list[str], path: Path):
    for number, raw in enumerate(lines, start=1):
        unclosed = _UNCLOSED_SHORTCODE.search(raw)
        if unclosed:
            opening, closing = ("{{<", ">}}") if unclosed.group(1) else ("{{%", "%}}")
            raise InputError(f"shortcode is never closed: no `{closing}` after `{opening}` on its line", path, number)
        for match in _SHORTCODE.finditer(raw):
            yield number, bool(match.group(2)), match.group(3), match.group(4)


def _heading_above(lines: list[str], number: int) -> str:
    for index in range(number - 2, -1, -1):
        heading = _HEADING.match(lines[index])
        if heading:
            return heading.group(1)
    return ""


def tab_spans(lines: list[str], path: Path) -> list[TabSpan]:
    """The top-level tabs of the page, each with the line ranges of its nested tabs for another OS."""
    stack: list[_Group | _OpenTab] = []
    tabs: list[TabSpan] = []
    for number, closing, kind, arguments in _shortcodes(lines, path):
        top = stack[-1] if stack else None
        if kind in GROUPS and not closing:
            stack.append(_Group(number, _group_names(arguments) if kind == "tabs" else [],
                                _heading_above(lines, number)))
        elif kind in GROUPS:
            if isinstance(top, _OpenTab):
                raise InputError(f"{{{{ /{kind} }}}} closes the tab group while the tab from line {top.line} "
                                 "is still open", path, number)
            if top is None:
                raise InputError(f"{{{{ /{kind} }}}} without a tab group before it", path, number)
            stack.pop()
        elif not closing:
            if isinstance(top, _OpenTab):
                raise InputError(f"{{{{ {kind} }}}} opened while the tab from line {top.line} is still open", path, number)
            group = top or _Group(number, [], _heading_above(lines, number))  # a tab outside a group: its own
            name = _tab_name(arguments) if kind == "tab" else None
            if name is None:
                name = group.names[group.count] if group.count < len(group.names) else f"tab {group.count + 1}"
            group.count += 1
            stack.append(_OpenTab(number, name, group))
        else:
            if not isinstance(top, _OpenTab):
                raise InputError(f"{{{{ /{kind} }}}} without a tab opened before it", path, number)
            stack.pop()
            outer = next((frame for frame in reversed(stack) if isinstance(frame, _OpenTab)), None)
            if outer is not None:
                outer.nested.append((top.name, top.line, number))
            else:
                elsewhere = [(start, end) for name, start, end in top.nested
                             if re.sub(r"[\s/]", "", name.lower()) in OTHER_OS]
                tabs.append(TabSpan(top.name, top.line, number, top.group.heading, top.group.line, elsewhere))
    if stack:
        frame = stack[-1]
        what = "tab" if isinstance(frame, _OpenTab) else "tab group"
        raise InputError(f"this {what} is never closed", path, frame.line)
    return tabs
