"""Check a docs page's language tabs against a quickstarts checkout: statically, then by running them.

Static: every `cd` target exists and belongs to the page's building block and the tab's
language; the resources path of `dapr run` exists from the app folder; files the page
asks to verify exist; deprecated flags are warned about. Dynamic: the tab's install
commands and its `dapr run` app command, as written, in a temporary copy of the app
folder beside a real daprd and Redis, the app's `== APP ==` lines matched against the
page's output block as an ordered subsequence.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from runner.formats.daprrun import DEPRECATED, DaprRunError, parse_dapr_run
from runner.formats.docspage import APP_PREFIX, Page, Tab
from runner.formats.expected import Expectation, ExpectedLine
from runner.formats.runtemplate import AppSpec
from runner.job import JobPlan, RunSettings, run_job
from runner.job.result import check_result
from runner.recipes import RECIPES, resolve_language
from runner.results import JobResult
from runner.services.groups import track_dir, untrack_dir
from runner.source.catalog import RESOURCE_DIRS
from runner.transcript.explain import closest_lines
from runner.transcript.normalize import normalizer
from runner.transcript.update import updated_lines

DOCS_TIMEOUT_S = 180.0
_raw = normalizer(("ansi", "whitespace"))


@dataclass
class Finding:
    kind: str  # static | dynamic | warning
    line: int
    message: str


@dataclass
class TabReport:
    tab: str
    language: str | None
    line: int
    findings: list[Finding] = field(default_factory=list)
    dynamic: str = "not run"  # matched | drift | skipped: <why> | not run
    observed: list[str] = field(default_factory=list)  # the app's lines, to paste into the page

    @property
    def status(self) -> str:
        return "drift" if any(f.kind != "warning" for f in self.findings) else "ok"

    def record(self) -> dict:
        return {**asdict(self), "status": self.status}


def page_building_block(page: Page) -> str | None:
    blocks = Counter(PurePosixPath(tab.cd.text).parts[0] for tab in page.tabs if tab.cd and PurePosixPath(tab.cd.text).parts)
    return blocks.most_common(1)[0][0] if blocks else None


def _app_dir(tab: Tab, root: Path) -> Path | None:
    return (root / tab.cd.text).resolve() if tab.cd else None


def static_checks(tab: Tab, root: Path, building_block: str | None, report: TabReport) -> None:
    findings = report.findings
    if tab.cd is None:
        findings.append(Finding("static", tab.start_line, "the tab never changes into an app folder (no `cd`)"))
    else:
        parts = PurePosixPath(tab.cd.text).parts
        app_dir = _app_dir(tab, root)
        if not app_dir.is_dir():
            findings.append(Finding("static", tab.cd.line, f"`cd {tab.cd.text}`: no such folder in the checkout"))
        if building_block and parts and parts[0] != building_block:
            findings.append(Finding("static", tab.cd.line,
                                    f"`cd {tab.cd.text}` is in building block {parts[0]}, but the page is about {building_block}"))
        if report.language and len(parts) > 1 and parts[1] != report.language:
            findings.append(Finding("static", tab.cd.line,
                                    f"`cd {tab.cd.text}` is the {parts[1]} quickstart, but the tab is {tab.name} ({report.language})"))
        for item in tab.verify_files:
            if app_dir.is_dir() and not (app_dir / item.text).exists():
                findings.append(Finding("static", item.line, f"the page asks to verify `{item.text}`, which is not in {tab.cd.text}"))
    if tab.dapr_run is None:
        findings.append(Finding("static", tab.start_line, "the tab has no `dapr run` command"))
        return
    try:
        run = parse_dapr_run(tab.dapr_run.text)
    except DaprRunError as exc:
        findings.append(Finding("static", tab.dapr_run.line, f"`dapr run` command: {exc}"))
        return
    for flag in run.deprecated:
        findings.append(Finding("warning", tab.dapr_run.line, f"{flag} is deprecated; use {DEPRECATED[flag]}"))
    app_dir = _app_dir(tab, root)
    if app_dir is not None and app_dir.is_dir():
        for path in run.resources_paths:
            if not (app_dir / path).is_dir():
                moved = [name for name in RESOURCE_DIRS if (app_dir / path).parent.joinpath(name).is_dir()]
                hint = f"; the checkout has {str(PurePosixPath(path).parent / moved[0])}/ there" if moved else ""
                findings.append(Finding("static", tab.dapr_run.line, f"resources path `{path}` does not exist from {tab.cd.text}{hint}"))
    if tab.output is None:
        findings.append(Finding("static", tab.dapr_run.line, "no output block (`== APP ==` lines) after `dapr run` to compare with"))


def _expectation(tab: Tab) -> Expectation:
    lines = tuple(ExpectedLine(text.strip(), tab.output.line_of(i)) for i, text in enumerate(tab.output.lines) if text.strip())
    return Expectation(lines=lines, match="exact", order="sequential", source=f"tab {tab.name}")


def _resources(tab: Tab, run, app_dir: Path, root: Path) -> tuple[Path, ...]:
    given = tuple((app_dir / path).resolve() for path in run.resources_paths if (app_dir / path).is_dir())
    if given:
        return given
    # The page's path is wrong (a static finding says so): run against the checkout's own.
    block = root / PurePosixPath(tab.cd.text).parts[0]
    return tuple(block / name for name in RESOURCE_DIRS if (block / name).is_dir())[:1]


def dynamic_check(tab: Tab, root: Path, settings: RunSettings, report: TabReport) -> None:
    language = report.language
    app_dir = _app_dir(tab, root)
    if language is None:
        report.dynamic = f"skipped: no language recipe for tab {tab.name!r}"
        return
    if app_dir is None or not app_dir.is_dir() or tab.dapr_run is None or tab.output is None:
        report.dynamic = "skipped: nothing to run (see the static findings)"
        return
    toolchain = RECIPES[language].detect()
    if not toolchain.available:
        report.dynamic = f"skipped: {toolchain.missing}"
        return
    run = parse_dapr_run(tab.dapr_run.text)
    resources = _resources(tab, run, app_dir, root)
    if not run.command:
        report.findings.append(Finding("static", tab.dapr_run.line, "`dapr run` has no app command after `--`"))
        return
    with contextlib.ExitStack() as stack:
        scratch = Path(tempfile.mkdtemp(prefix="qsr-docs-"))
        track_dir(scratch)
        stack.callback(untrack_dir, scratch)
        stack.callback(shutil.rmtree, scratch, True)
        # A copy, so that the page's install and build commands leave the checkout as it was.
        copy = scratch / app_dir.name
        shutil.copytree(app_dir, copy, symlinks=True,
                        ignore=shutil.ignore_patterns("node_modules", "target", "bin", "obj", "__pycache__"))
        parts = PurePosixPath(tab.cd.text).parts
        plan = JobPlan(
            name=f"{tab.name} tab", building_block=parts[0], language=language,
            variant=parts[2] if len(parts) > 2 else "sdk", toolchain=toolchain,
            apps=(AppSpec(run.app_id or app_dir.name, copy, tuple(run.command), run.app_port, run.app_protocol),),
            resources=resources, expectation=_expectation(tab), timeout_s=DOCS_TIMEOUT_S, expected_source="docs page",
            setup_commands=tuple(command.text for command in tab.installs), as_written=True,
        )
        result = run_job(plan, settings)
    count = len(plan.expectation.lines)
    observed = [_raw(line) for line in result.transcript if _raw(line).startswith(APP_PREFIX)]
    if result.status == "passed":
        report.dynamic = "matched"
        return
    report.dynamic = "drift"
    report.observed = observed[:count]
    if not observed:
        report.findings.append(Finding("dynamic", tab.dapr_run.line, f"the app printed nothing to compare: {result.reason}"))
        return
    if result.matched >= count:  # every line matched, yet the run failed (e.g. the app crashed)
        report.findings.append(Finding("dynamic", tab.dapr_run.line, result.reason))
        return
    shown = plan.expectation.lines[result.matched]
    report.findings.append(Finding(
        "dynamic", shown.source_line,
        f"the page shows `{shown.text}` where the app prints `{_closest_app_line(shown.text, observed, result.matched)}`"))


def _closest_app_line(shown: str, observed: list[str], position: int) -> str:
    """The app line most like the page's, nearest where it was due; else the line printed there."""
    close = closest_lines(shown, list(enumerate(observed, start=1)), position, limit=1)
    return close[0].text if close else observed[min(position, len(observed) - 1)]


def copied_outputs(page: Page, tab: Tab) -> Tab | None:
    """An earlier tab whose output block is the same text as this tab's (a copy-paste slip)."""
    if tab.output is None:
        return None
    text = [line.strip() for line in tab.output.lines if line.strip()]
    return next((other for other in page.tabs if other is not tab and other.output is not None
                 and other.start_line < tab.start_line
                 and [line.strip() for line in other.output.lines if line.strip()] == text), None)


def check_page(page: Page, root: Path, settings: RunSettings | None, languages: list[str] | None = None) -> list[TabReport]:
    building_block = page_building_block(page)
    reports = []
    for tab in page.tabs:
        language = resolve_language(tab.name)
        if languages and language not in languages:
            continue
        report = TabReport(tab.name, language, tab.start_line)
        static_checks(tab, root, building_block, report)
        original = copied_outputs(page, tab)
        if original is not None:
            report.findings.append(Finding("static", tab.output.fence_line,
                                           f"the output block is the {original.name} tab's output "
                                           f"(line {original.output.fence_line}), not {tab.name}'s"))
        if settings is not None:
            dynamic_check(tab, root, settings, report)
        reports.append(report)
    return reports


def tab_results(page: Page, reports: list[TabReport]) -> list[JobResult]:
    """The drift report as job results, for the JUnit, HTML and GitHub reports."""
    results = []
    for report in reports:
        drift = [f for f in report.findings if f.kind != "warning"]
        status = "failed" if drift else ("skipped" if report.dynamic.startswith("skipped") else "passed")
        messages = [f"{page.path}:{f.line}: {f.kind}: {f.message}" for f in report.findings]
        results.append(check_result(
            f"{page.path.name}/{report.tab}", f"docs:{page.path.name}", report.language or report.tab, status,
            messages[0] if drift else report.dynamic, [m for m in messages if ": warning: " not in m],
            str(page.path) if drift else None, drift[0].line if drift else None, report.observed, "docs page",
        ))
    return results


def rewrite_outputs(page: Page, reports: list[TabReport]) -> str:
    """The page with each drifted tab's output block replaced by the observed lines; all else byte for byte."""
    lines = list(page.lines)
    by_name = {report.tab: report for report in reports}
    # From the bottom up, so earlier line numbers stay valid.
    for tab in reversed(page.tabs):
        report = by_name.get(tab.name)
        if report is None or report.dynamic != "drift" or not report.observed or tab.output is None:
            continue
        block = tab.output
        first = lines[block.fence_line]  # the first content line, for its indent and line ending
        indent = first[: len(first) - len(first.lstrip())]
        ending = "\r\n" if first.endswith("\r\n") else "\n"
        new = [f"{indent}{text}{ending}" for text in updated_lines(_expectation(tab), report.observed)]
        lines[block.fence_line: block.fence_line + len(block.lines)] = new
    return "".join(lines)
