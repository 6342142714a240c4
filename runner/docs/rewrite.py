"""`docs check --write`: the page with the certain fixes applied, all else byte for byte: a `cd` to
where its folder moved, a resources path or run template to where the checkout has it, an app
label to the app id the template runs, and a drifted output block of a tab with one app and one
block replaced by what that app printed (its lines that still fit kept as written)."""

from __future__ import annotations

from runner.docs.model import TabReport
from runner.formats.docspage import Page, Tab, app_lines
from runner.formats.expected import DEFAULT_NORMALIZERS, Expectation, ExpectedLine
from runner.transcript.update import updated_lines


def rewrite(page: Page, tabs: list[tuple[Tab, TabReport]]) -> str:
    lines = list(page.lines)
    for _, report in tabs:
        for finding in report.findings:
            if finding.fix and finding.kind == "static":
                old, new = finding.fix
                for line in (finding.line, *finding.also):
                    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    # Output blocks from the bottom up, so earlier line numbers stay valid.
    for tab, report in sorted(tabs, key=lambda pair: -pair[0].start_line):
        runs = [run for run in tab.runs if run.outputs]
        if report.dynamic != "drift" or not report.observed or len(runs) != 1 or len(runs[0].outputs) != 1 \
                or runs[0].multi_app:
            continue
        block = runs[0].outputs[0]
        first = lines[block.fence_line]  # the first content line, for its indent and line ending
        indent = first[: len(first) - len(first.lstrip())]
        ending = "\r\n" if first.endswith("\r\n") else "\n"
        shown = Expectation(lines=tuple(ExpectedLine(text, line) for text, line in app_lines(block)),
                            normalizers=(*DEFAULT_NORMALIZERS, "spaces"))
        new = [f"{indent}{text}{ending}" for text in updated_lines(shown, report.observed[:len(shown.lines)])]
        lines[block.fence_line: block.fence_line + len(block.lines)] = new
    return "".join(lines)
