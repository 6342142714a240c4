"""What a docs check finds: per tab of a page, its findings at page lines and its verdict, and
those verdicts as job results for the reports.

A tab's verdict is one of: `ok` (its commands ran as the page says and printed what it shows),
`drift` (the page says something the quickstart does not do: a path, a command, an output
line), `could not check` (the environment stopped the run: a build, a registry, a service; or
the quickstart itself is broken, failing its own README validation the same way), `skipped`
(a command this machine cannot run: Kubernetes, a browser, a language toolchain), `not
checkable` (nothing to compare: no commands, no output block), `not run` (only its static
checks ran, and found nothing: `--static-only`; or its run has not ended yet), `interrupted`
(the check was interrupted before its run ended: `--resume` runs it). Only `drift` and
`interrupted` fail a docs CI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from runner.results import JobResult

VERDICTS = ("ok", "drift", "could not check", "skipped", "not checkable", "not run", "interrupted")


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
    shown: list[tuple[int, str, str]] = field(default_factory=list)  # each line the page shows: (page line, group, text)
    heard: list[tuple[str, str]] = field(default_factory=list)  # each app line of the run: (terminal, text)
    unordered: list[str] = field(default_factory=list)  # groups whose lines may come in any order (deliveries)
    rewritable: bool = False  # its run ended cleanly: its drifted blocks may be rewritten from what it printed
    finished: list[str] = field(default_factory=list)  # apps that ended by themselves (exited 0): they printed all they will
    kind: str = "tab"  # tab: a docs page's language tab; readme: a README, the page of its own quickstart

    @property
    def status(self) -> str:
        if any(f.kind != "warning" for f in self.findings):
            return "drift"
        if self.not_checkable:
            return "not checkable"
        if self.dynamic.startswith(("not run", "pending")):
            return "not run"
        for verdict in ("skipped", "could not check", "interrupted"):
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

    @classmethod
    def from_record(cls, record: dict) -> "TabReport":
        """A tab's report as an earlier `--json` kept it (`docs check --resume`)."""
        known = {name for name in cls.__dataclass_fields__}
        fields = {key: value for key, value in record.items() if key in known}
        fields["findings"] = [Finding(f["kind"], f["line"], f["message"], tuple(f["fix"]) if f.get("fix") else None,
                                      tuple(f.get("also") or ())) for f in record.get("findings") or []]
        fields["shown"] = [tuple(item) for item in fields.get("shown") or []]
        fields["heard"] = [tuple(item) for item in fields.get("heard") or []]
        return cls(**fields)


_JOB_STATUS = {"drift": "failed", "ok": "passed", "interrupted": "interrupted"}  # the rest: skipped (a notice)


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
    if report.status not in ("could not check", "skipped", "not run"):
        return []
    return [{"file": str(page), "line": report.line, "kind": "notice", "message": f"{report.status}: {report.why}"}]
