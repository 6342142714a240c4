"""What a docs check finds: per tab of a page, its findings at page lines and its verdict, and
those verdicts as job results for the reports.

A tab's verdict is one of: `ok` (its commands ran as the page says and printed what it shows),
`drift` (the page says something the quickstart does not do: a path, a command, an output
line), `could not check` (the environment stopped the run: a build, a registry, a service; or
the quickstart itself is broken, failing its own README validation the same way), `skipped`
(a command this machine cannot run: Kubernetes, a browser, a language toolchain), `not
checkable` (nothing to compare: no commands, no output block). Only `drift` fails a docs CI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from runner.results import JobResult

VERDICTS = ("ok", "drift", "could not check", "skipped", "not checkable")


@dataclass
class Finding:
    kind: str  # static | dynamic | warning
    line: int
    message: str
    fix: tuple[str, str] | None = None  # (page text, replacement) on `line`, when the fix is certain
    also: tuple[int, ...] = ()  # further lines the same fix applies to


@dataclass
class TabReport:
    page: str
    tab: str
    group: str  # the heading above the tab's group
    group_index: int  # 1-based, in page order
    language: str | None
    line: int
    findings: list[Finding] = field(default_factory=list)
    dynamic: str = "not run"  # matched | drift | skipped: <why> | could not check: <why> | not run
    not_checkable: str | None = None  # why there is nothing to compare
    observed: list[str] = field(default_factory=list)  # the app's lines, to paste into the page
    duration_s: float = 0.0  # of its run

    @property
    def status(self) -> str:
        if any(f.kind != "warning" for f in self.findings):
            return "drift"
        if self.not_checkable:
            return "not checkable"
        for verdict in ("skipped", "could not check"):
            if self.dynamic.startswith(verdict):
                return verdict
        return "ok"

    @property
    def why(self) -> str:
        """What the status rests on, in a few words."""
        if self.status == "drift":
            return next(f.message for f in self.findings if f.kind != "warning")
        if self.status == "not checkable":
            return self.not_checkable or ""
        return self.dynamic

    @property
    def key(self) -> str:
        return f"{self.page}/{self.tab}/{self.group_index}"

    def record(self) -> dict:
        return {**asdict(self), "status": self.status, "why": self.why}


_JOB_STATUS = {"drift": "failed", "ok": "passed"}  # the rest: no verdict on the page (skipped, annotated as a notice)


def tab_results(page: Path, reports: list[TabReport]) -> list[JobResult]:
    """The check as job results, for the JUnit, HTML and GitHub reports: building block = the
    page, language = the tab, variant = its group's number."""
    results = []
    for report in reports:
        drift = [f for f in report.findings if f.kind != "warning"]
        messages = [f"{page}:{f.line}: {f.kind}: {f.message}" for f in report.findings]
        reason = messages[0] if drift else (f"{report.status}: {report.why}" if report.status != "ok" else report.dynamic)
        if report.group:
            reason += f" (group: {report.group})"
        results.append(JobResult(
            quickstart=report.key, building_block=page.name, language=report.tab,
            variant=str(report.group_index), status=_JOB_STATUS.get(report.status, "skipped"), reason=reason,
            duration_s=report.duration_s,
            misses=[m for m in messages if ": warning: " not in m], failure_file=str(page) if drift else None,
            failure_line=drift[0].line if drift else None, transcript=report.observed, expected_source="docs page",
            findings=[{"file": str(page), "line": f.line, "kind": f.kind, "message": f.message}
                      for f in report.findings] + _notice(page, report)))
    return results


def _notice(page: Path, report: TabReport) -> list[dict]:
    """A tab the environment kept from checking: a notice at the tab, with the cause."""
    if report.status not in ("could not check", "skipped"):
        return []
    return [{"file": str(page), "line": report.line, "kind": "notice", "message": f"{report.status}: {report.why}"}]
