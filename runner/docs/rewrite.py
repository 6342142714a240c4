"""`docs check --write` (and `--diff`): the page with what a careful writer would change, all else
byte for byte.

- The certain static fixes: a `cd` to where its folder moved, a resources path or run template to
  where the checkout has it, an app label to the app id the template runs, an `--app-port` to
  the port the app listens on.
- Each drifted output line rewritten from the line the app printed in its place: in the page's
  own forms where those are placeholders (its timestamps, generated ids and local ports stay as
  the page wrote them, its `== APP ==` prefix and indentation too), only the lines that differ,
  the lines the page leaves out still left out. A tab is rewritten whole or not at all: only
  when its run ended cleanly, and every drifted line found its line in what the app printed,
  and the new line fits that printed line as the check compares them (so a second check finds
  no drift there, and a second `--write` changes nothing).
"""

from __future__ import annotations

import difflib
import re

from runner.docs.model import TabReport
from runner.docs.tabjob import TAB_NORMALIZERS
from runner.formats.docspage import Page, Tab
from runner.transcript.masks import BUILTIN_MASKS, line_pattern
from runner.transcript.normalize import normalizer

_APP_PREFIX = re.compile(r"^== APP(?: - (\S+))? == ?")
_KEPT = [BUILTIN_MASKS[name].pattern for name in ("timestamps", "ids", "ports")]  # the page's own, where they vary
_ALIKE = 0.5  # how alike a printed line must be to stand in a drifted line's place
_compare = normalizer(TAB_NORMALIZERS)


def rewrite(page: Page, tabs: list[tuple[Tab, TabReport]]) -> tuple[str, list[str]]:
    """The page's new text, and a line per tab whose drifted output was left as it is, and why."""
    lines = list(page.lines)
    for _, report in tabs:
        for finding in report.findings:
            if finding.fix and finding.kind == "static":
                old, new = finding.fix
                for line in (finding.line, *finding.also):
                    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    left = []
    for tab, report in tabs:
        if report.dynamic != "drift" or not any(f.kind == "dynamic" for f in report.findings):
            continue
        edits = output_edits(report) if report.rewritable else "its run did not end cleanly"
        if isinstance(edits, str):
            left.append(f"{page.path}:{report.line}: {report.tab}: output left as it is: {edits}")
            continue
        for number, text in edits.items():
            old = lines[number - 1]
            indent = old[: len(old) - len(old.lstrip())]
            ending = old[len(old.rstrip("\r\n")):]
            lines[number - 1] = f"{indent}{text}{ending}"
    return "".join(lines), left


def unified_diff(page: Page, text: str) -> str:
    return "".join(difflib.unified_diff(page.lines, text.splitlines(keepends=True), f"a/{page.path}", f"b/{page.path}"))


def _body(text: str) -> tuple[str, str]:
    """An app line as (its `== APP ==` prefix, what the app printed)."""
    found = _APP_PREFIX.match(text)
    return (found.group(0), text[found.end():]) if found else ("", text)


def _fits(page_body: str, printed_body: str) -> bool:
    return bool(line_pattern(_compare(page_body), "exact").search(_compare(printed_body)))


def _alike(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _compare(a), _compare(b), autojunk=False).ratio()


def in_page_forms(page_body: str, printed_body: str) -> str:
    """The printed line with what varies from run to run (timestamps, ids, local ports) as the page
    wrote it, where the two have as many of each."""
    text = printed_body
    for pattern in _KEPT:
        ours, theirs = list(pattern.finditer(page_body)), list(pattern.finditer(text))
        if ours and len(ours) == len(theirs):
            for mine, found in reversed(list(zip(ours, theirs))):
                text = text[:found.start()] + mine.group(0) + text[found.end():]
    return text


def _heard_by(report: TabReport, group: str) -> list[str]:
    """The app lines of a group's terminal (any terminal's for `*:`), of its app when it names one."""
    terminal, _, rest = group.partition(":")
    app = rest.split(":", 1)[1] if terminal == "*" and ":" in rest else rest if terminal != "*" else ""
    heard = [text for source, text in report.heard if terminal == "*" or source == terminal]
    return [text for text in heard if not app or _APP_PREFIX.match(text).group(1) in (app, None)]


def output_edits(report: TabReport) -> dict[int, str] | str:
    """Page line -> its new text, for the tab's drifted output lines; or why they cannot all be
    rewritten (then none is)."""
    edits: dict[int, str] = {}
    for group in dict.fromkeys(owner for _, owner, _ in report.shown):
        shown = [(line, text) for line, owner, text in report.shown if owner == group]
        heard = [_body(text)[1] for text in _heard_by(report, group)]
        ordered = group not in report.unordered
        used: set[int] = set()
        cursor = 0
        for index, (line, text) in enumerate(shown):
            prefix, body = _body(text)
            window = [j for j in range(cursor if ordered else 0, len(heard)) if j not in used]
            fit = next((j for j in window if _fits(body, heard[j])), None)
            if fit is None:
                later = [_body(t)[1] for _, t in shown[index + 1:]]
                bound = next((j for j in window if any(_fits(b, heard[j]) for b in later)), len(heard)) if ordered \
                    else len(heard)
                choices = [j for j in window if j < bound]
                fit = max(choices, key=lambda j: _alike(body, heard[j]), default=None)
                if fit is None or _alike(body, heard[fit]) < _ALIKE:
                    return f"nothing the app printed resembles page line {line} (`{body}`)"
                new = in_page_forms(body, heard[fit])
                if not _fits(new, heard[fit]):
                    return f"page line {line} cannot be written so that it fits what the app printed"
                edits[line] = prefix + new
            used.add(fit)
            cursor = fit + 1
    return edits
