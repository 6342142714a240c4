"""A page's verdict from its run, one judge for a docs tab and a README (both run as their reader
follows them: mm/runner with a page model): drift at the page lines that never came, each with the
printed line most like it; could not check when the run stopped for something else (a command
that failed, a service that died, a quickstart failing its own way). A tab whose apps printed
nothing, or failed, cannot tell a wrong page from a broken quickstart alone: its quickstart's own
README run tells (`judge_by_readme`)."""

from __future__ import annotations

from runner.docs.model import Finding, TabReport
from runner.formats.docspage import Tab
from runner.results import JobResult, Miss
from runner.transcript.causes import cause
from runner.transcript.normalize import normalizer
from runner.transcript.tolerance import body

_raw = normalizer(("ansi", "whitespace"))


def judge(report: TabReport, result: JobResult) -> bool:
    """The page's dynamic verdict from its run; False when a tab's run alone cannot tell (its
    README's run decides then)."""
    report.duration_s = result.duration_s
    page = result.page or {}
    report.heard = [tuple(item) for item in page.get("heard", [])]
    report.unordered = list(page.get("unordered", []))
    report.observed = [raw for source, text in report.heard if source == "apps" and (raw := _raw(text)).startswith("== APP")]
    report.finished = [app.app for app in result.apps if app.ended == "exited 0"]
    if result.status == "skipped":
        report.dynamic = f"skipped: {result.reason}"
        return True
    unmet = set(page.get("unmet", []))
    drifted = {fence for line, _, _, fence in page.get("shown", []) if line in unmet}
    report.shown = [(line, group, text) for line, group, text, fence in page.get("shown", []) if fence in drifted]
    if result.status in ("passed", "flaky"):
        report.dynamic = "matched"
        report.findings += _order_notes(page)
        if not page.get("shown"):
            report.not_checkable = "its page shows no output block this run can check"
        return True
    # A README's STEP lines are its page too: one never printed is drift at its STEP.
    missed = [miss for miss in result.miss_details if report.kind == "readme" or miss.source_line in unmet]
    never_printed = result.kind == "output mismatch" and bool(result.misses)
    if never_printed and (report.kind == "readme" or report.observed):
        report.dynamic = "drift"
        report.rewritable = True
        report.findings += [Finding("dynamic", miss.source_line, _worded(miss)) for miss in missed] or [
            Finding("dynamic", result.failure_line or report.line, result.reason)]
        # An app that said it failed (a file it opens is missing) may be the quickstart's fault.
        return report.kind == "readme" or cause("\n".join(report.observed)) is None
    if report.kind == "readme":
        report.dynamic = f"could not check: the quickstart itself fails: {result.reason}"
        return True
    if result.kind not in ("output mismatch", "app crashed"):  # a command failed, a service died
        report.dynamic = f"could not check: {result.reason}"
        return True
    if not report.observed:  # the apps printed nothing: a wrong page, or a broken quickstart?
        report.dynamic = "could not tell"
        return False
    report.dynamic = "drift"  # an app crashed, run as the page says: the page's fault, or the quickstart's?
    report.findings += [Finding("dynamic", miss.source_line, _worded(miss)) for miss in missed]
    report.findings.append(Finding("dynamic", result.failure_line or report.line, result.reason))
    return False


def _worded(miss: Miss) -> str:
    """A page line never met, and what the apps printed instead, in words."""
    shown = f"the page shows `{miss.expected}`"
    if not miss.closest:
        return f"{shown}, which no app line resembles"
    close = miss.closest[0]
    if _raw(close.text) == _raw(body(miss.expected)[1]):  # printed, but not where the page has it
        return f"{shown} after what it shows above it; an app printed it, but not there"
    return f"{shown} where the app prints `{close.text}`" + (f" ({close.difference})" if close.difference else "")


def _order_notes(page: dict) -> list[Finding]:
    """A note (never drift) for each block of deliveries that came in another order than the page
    shows them: messages an app receives arrive in any order."""
    met = dict(map(tuple, page.get("met", [])))
    unordered = set(page.get("unordered", []))
    notes = []
    for fence in dict.fromkeys(fence for _, group, _, fence in page.get("shown", []) if group in unordered):
        lines = [line for line, _, _, block in page.get("shown", []) if block == fence and line in met]
        printed = [met[line] for line in lines]
        if printed != sorted(printed):
            notes.append(Finding("warning", lines[0], "the app printed these lines in another order than the page "
                                 "shows: it receives them, and deliveries arrive in any order (not drift)"))
    return notes


def judge_by_readme(tab: Tab, report: TabReport, result: JobResult, readme: JobResult | None) -> None:
    """A tab whose apps printed nothing, failed or crashed: a quickstart whose own README run fails
    as well is broken (could not check); one whose README run passes shows the page is wrong (drift)."""
    failed = report.dynamic == "drift"  # the apps printed, and one failed: its findings are made
    line = tab.runs[0].dapr_run.line
    if readme is None:
        if not failed:
            report.dynamic = ("could not check: the run alone cannot tell, and the quickstart has no README run to "
                              f"compare: {result.reason}")
    elif readme.status in ("passed", "flaky"):
        report.dynamic = "drift"
        if not failed:
            report.findings.append(Finding("dynamic", line, "run as the page says, the apps print nothing where the "
                                           f"quickstart's README run passes: {result.reason}"))
    else:
        report.findings = [finding for finding in report.findings if finding.kind != "dynamic"]
        report.dynamic = f"could not check: the quickstart itself fails (its README run: {readme.reason})"
