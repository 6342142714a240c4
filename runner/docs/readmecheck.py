"""A README checked as a docs page is: its quickstart's own job, run as validate runs it (the
page's output blocks checked), read as a page report. A block whose lines never came is drift at
those lines, with the app's real lines; a quickstart that fails otherwise (an app that crashed, a
STEP's own expectation, a build) could not be checked; `--write` rewrites the drifted blocks
under the rules of docs pages (`rewrite.py`), comparing as the check compares."""

from __future__ import annotations

import subprocess
from pathlib import Path

from runner.docs.model import Finding, TabReport
from runner.errors import InputError
from runner.results import JobResult
from runner.source.catalog import Quickstart, discover

TAB = "README"


def is_readme(path: Path) -> bool:
    return path.name.lower() == "readme.md"


def tree_of(readme: Path, checkout: Path | None) -> Path:
    """The quickstarts tree a README is in: the checkout given, when it holds it; else its git
    work tree; else its own folder."""
    readme = readme.resolve()
    if checkout is not None and readme.is_relative_to(checkout.resolve()):
        return checkout.resolve()
    done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=readme.parent, capture_output=True, text=True)
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 and done.stdout.strip() else readme.parent


def quickstart_of(readme: Path, tree: Path) -> Quickstart:
    """The quickstart of `tree` whose README this is (bad input when none is)."""
    found = next((qs for qs in discover(tree) if qs.readme is not None and qs.readme.resolve() == readme.resolve()), None)
    if found is None:
        raise InputError(f"not the README of a quickstart of {tree} (no folder of it a reader follows)", readme)
    return found


def readme_report(readme: Path, quickstart: Quickstart) -> TabReport:
    return TabReport(str(readme), TAB, "", 1, quickstart.language, 1, kind="readme")


def judge_readme(report: TabReport, result: JobResult) -> None:
    """The README's verdict from its job: drift at the page lines that never came (the rest of the
    job passing), could not check when the quickstart failed otherwise."""
    report.duration_s = result.duration_s
    page = result.page or {}
    unmet = set(page.get("unmet", []))
    drifted = {fence for line, _, _, fence in page.get("shown", []) if line in unmet}
    report.shown = [(line, group, text) for line, group, text, fence in page.get("shown", []) if fence in drifted]
    report.heard = [tuple(item) for item in page.get("heard", [])]
    report.unordered = list(page.get("unordered", []))
    report.observed = [text for source, text in report.heard if source == "apps" and text.startswith("== APP")]
    report.finished = [app.app for app in result.apps if app.ended == "exited 0"]
    if result.status == "skipped":
        report.dynamic = f"skipped: {result.reason}"
        return
    if not page.get("shown"):
        report.not_checkable = "its page shows no output block this run can check"
    if result.status in ("passed", "flaky"):
        report.dynamic = "matched"
        return
    missed = [miss for miss in result.miss_details if miss.source_line in unmet]
    page_only = result.kind == "output mismatch" and len(missed) == len(result.misses) and missed
    if not page_only:
        report.dynamic = f"could not check: the quickstart itself fails: {result.reason}"
        return
    report.dynamic = "drift"
    report.rewritable = True
    for miss in missed:
        close = f"; an app prints `{miss.closest[0].text}`" if miss.closest else f"; {miss.order_note}"
        report.findings.append(Finding("dynamic", miss.source_line, f"the page shows `{miss.expected}`{close}"))
