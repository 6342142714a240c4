"""`docs check --write` (and `--diff`): the page with what a careful writer would change, all else
byte for byte.

- The certain static fixes: a `cd` to where its folder moved, a resources path or run template to
  where the checkout has it, an app label to the app id the template runs, an `--app-port` to
  the port the app listens on.
- Each drifted output line rewritten from the line the app printed in its place: in the page's
  own forms where those are placeholders (its timestamps, generated ids and local ports stay as
  the page wrote them, its `== APP ==` prefix and indentation too), only the lines that differ,
  the lines the page leaves out still left out, a line the app prints nothing like any more
  removed (but for one of lines the page repeats, `Order received: 20` where the app printed
  19 of them: that leaves the tab to a writer, as a run's timing may be all that moved it); the
  page's lines put in the app's order where the page broke it (given each its own likeliest
  printed line, they stand in another order). A tab is rewritten whole or not at all: only
  when its run ended cleanly, and every new line fits its printed line as the check compares
  them (so a second check finds no drift there, and a second `--write` changes nothing).
"""

from __future__ import annotations

import difflib
import re

from runner.docs.model import TabReport
from runner.formats.cli_lines import APP_LABEL, split_label
from runner.formats.docspage import Page, Tab
from runner.transcript.masks import BUILTIN_MASKS
from runner.transcript.tolerance import normal, page_fits, shape

_KEPT = [BUILTIN_MASKS[name].pattern for name in ("timestamps", "ids", "ports")]  # the page's own, where they vary
_ALIKE = 0.5  # how alike a printed line must be to stand in a drifted line's place
_SAME_NUMBERS = 0.05  # what the same numbers add to a likeness: enough to break near ties, no more


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
        edits = output_edits(report, _renames(report)) if report.rewritable else "its run did not end cleanly"
        if isinstance(edits, str):
            left.append(f"{page.path}:{report.line}: {report.tab}: output left as it is: {edits}")
            continue
        for number, text in edits.items():
            old = lines[number - 1]
            indent = old[: len(old) - len(old.lstrip())]
            ending = old[len(old.rstrip("\r\n")):]
            lines[number - 1] = "" if text is None else f"{indent}{text}{ending}"  # "": the line is gone
    return "".join(lines), left


def unified_diff(page: Page, text: str) -> str:
    return "".join(difflib.unified_diff(page.lines, text.splitlines(keepends=True), f"a/{page.path}", f"b/{page.path}"))


def _body(text: str) -> tuple[str, str]:
    """An app line as (its `== APP ==` prefix, what the app printed)."""
    found = APP_LABEL.match(text)
    return (found.group(0), text[found.end():]) if found else ("", text)


def _printer_of(text: str) -> str | None:
    """The app a printed line's label names (None: the one app of a run, or no label)."""
    return (split_label(text) or (None, ""))[0]


def _renamed(prefix: str, renames: dict[str, str]) -> str:
    return next((prefix.replace(old, new, 1) for old, new in renames.items() if prefix.startswith(old)), prefix)


def _shape(text: str) -> str:
    """A line with its numbers blanked: `Order received: 19` and `Order received: 20` are one shape."""
    return shape(normal(text))


def _alike(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normal(a), normal(b), autojunk=False).ratio()


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


def _renames(report: TabReport) -> dict[str, str]:
    """The app labels the tab's certain static fixes rename (`== APP - order-processor ==` to
    `== APP - order-processor-sdk ==`): its output is rewritten as those lines will read."""
    return {old: new for finding in report.findings if finding.kind == "static" and finding.fix
            for old, new in [finding.fix] if old.startswith("== APP - ")}


def _heard_by(report: TabReport, group: str, renames: dict[str, str]) -> list[str]:
    """The app lines of a group's terminal (any terminal's for `*:`), of its app when it names one
    (by the name its label will have once fixed)."""
    terminal, _, rest = group.partition(":")
    app = rest.split(":", 1)[1] if terminal == "*" and ":" in rest else rest if terminal != "*" else ""
    renamed = renames.get(f"== APP - {app} ==")
    app = renamed.removeprefix("== APP - ").removesuffix(" ==") if renamed else app
    heard = [text for source, text in report.heard if terminal == "*" or source == terminal]
    return [text for text in heard if not app or _printer_of(text) in (app, None)]


def _align(scores: list[list[float]]) -> list[int | None]:
    """For each page line (in order), the printed line in its place, or None when the app prints
    nothing there any more: the alignment keeping both orders that best agrees with them (a line
    that fits its printed line counts most, then the most alike; printed lines the page leaves
    out are left out). `scores[i][j]`: how well printed line j stands in page line i's place."""
    rows, cols = len(scores), len(scores[0]) if scores else 0
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            pair = scores[i][j]
            best[i][j] = max(best[i + 1][j], best[i][j + 1], pair + best[i + 1][j + 1] if pair else 0.0)
    found, i, j = [], 0, 0
    while i < rows:
        pair = scores[i][j] if j < cols else 0.0
        if j < cols and pair and best[i][j] == pair + best[i + 1][j + 1]:
            found.append(j)
            i, j = i + 1, j + 1
        elif j < cols and best[i][j] == best[i][j + 1]:
            j += 1
        else:
            found.append(None)
            i += 1
    return found


def _pair_score(page_body: str, printed_body: str) -> float:
    """How well a printed line stands in a page line's place: 2 when it fits; when alike enough,
    its likeness, a little more when it has the page line's numbers (of near ties, `Deleting
    Order: {"orderId":1}` stands for the page's `Removing Order: {"orderId":1}`, not `Saving
    Order: {"orderId":10}`); else 0 (no pair)."""
    if page_fits(page_body, printed_body):
        return 2.0
    alike = _alike(page_body, printed_body)
    if alike < _ALIKE:
        return 0.0
    return alike + (_SAME_NUMBERS if _numbers(page_body) == _numbers(printed_body) else 0.0)


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", normal(text))


def _assign(scores: list[list[float]]) -> list[int | None]:
    """For each page line, the printed line most like it, each printed line used once (the best
    pairs first); None where nothing printed is alike enough."""
    pairs = sorted(((score, i, j) for i, row in enumerate(scores) for j, score in enumerate(row)), reverse=True)
    places: list[int | None] = [None] * len(scores)
    used: set[int] = set()
    for score, i, j in pairs:
        if score and places[i] is None and j not in used:
            places[i] = j
            used.add(j)
    return places


def _out_of_order(places: list[int | None]) -> bool:
    """Whether page lines, each given its own printed line, stand in another order than printed."""
    found = [place for place in places if place is not None]
    return any(later < earlier for earlier, later in zip(found, found[1:]))


def _printed_all(report: TabReport, group: str, body: str, renames: dict[str, str]) -> bool:
    """Whether the apps that print lines like `body` ended by themselves: what they printed is all
    they print (a loop of nine, not a run cut short), so a count the page shows beyond it is drift."""
    printers = {_printer_of(text)
                for text in _heard_by(report, group, renames) if _shape(_body(text)[1]) == _shape(body)}
    finished = set(report.finished)
    if not printers or not finished:
        return False
    return all(app in finished if app is not None else len(finished) == 1 for app in printers)


def output_edits(report: TabReport, renames: dict[str, str] | None = None) -> dict[int, str | None] | str:
    """Page line -> its new text (None: removed, the app prints nothing there any more), for the
    tab's drifted output lines; or why they cannot all be rewritten (then none is)."""
    edits: dict[int, str | None] = {}
    renames = renames or {}
    for group in dict.fromkeys(owner for _, owner, _ in report.shown):
        shown = [(line, *_body(text)) for line, owner, text in report.shown if owner == group]
        shown = [(line, _renamed(prefix, renames), body) for line, prefix, body in shown]
        bodies = [body for _, _, body in shown]
        heard = [_body(text)[1] for text in _heard_by(report, group, renames)]
        scores = [[_pair_score(body, text) for text in heard] for body in bodies]  # each pair compared once
        if group in report.unordered:  # deliveries: any printed line may stand in any place
            places, reorder = _assign(scores), False
        else:  # the page's lines follow the app's order, where the page broke it
            assigned = _assign(scores)
            reorder = _out_of_order(assigned)
            places = assigned if reorder else _align(scores)
        written = []  # (printed line, page line, its new text in that page line's forms)
        for (line, prefix, body), place in zip(shown, places):
            if place is None:
                repeated = body.strip() and sum(_shape(other) == _shape(body) for other in bodies) > 1
                if repeated and not _printed_all(report, group, body, renames):  # fewer this time: timing?
                    return (f"the page shows more lines like page line {line} (`{body}`) than the app printed in this "
                            "run")
                edits[line] = None  # the app prints nothing like it any more, or printed all it will
                continue
            # Kept as the check compares them (transcript/tolerance.py), whichever face read the page.
            new = body if page_fits(body, heard[place]) else in_page_forms(body, heard[place])
            if not page_fits(new, heard[place]):
                return f"page line {line} cannot be written so that it fits what the app printed"
            written.append((place, line, prefix + new))
        texts = [text for _, _, text in (sorted(written) if reorder else written)]  # reordered: as the app printed
        original = {line: text for line, owner, text in report.shown if owner == group}
        edits.update({line: text for (_, line, _), text in zip(written, texts) if text != original[line]})
    if len(edits) == len(report.shown) and all(text is None for text in edits.values()):
        return "the app printed nothing like any line the page shows"
    return edits
