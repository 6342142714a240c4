"""`docs check`'s dynamic part: every checkable tab (and README) run as a job, all in parallel as
`validate` runs them, each judged the moment it ends; the verdicts said per tab and as a page x
tab table."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections import Counter
from pathlib import Path
from typing import Callable

from runner.cli.args import redis_arg
from runner.cli.common import runtime_versions, sidecar_settings
from runner.docs.judge import judge, judge_by_readme
from runner.docs.model import VERDICTS, TabReport
from runner.docs.readmecheck import is_readme
from runner.docs.tabjob import quickstart_folder, tab_plan
from runner.errors import InputError
from runner.job.pool import interrupt_reason, run_all
from runner.report.console import ProgressPrinter
from runner.services.groups import tracked_tempdir
from runner.services.machine import default_build_slots
from runner.source.catalog import discover
from runner.source.plan import detect_toolchains, plan_job


def run_checked(args: argparse.Namespace, checked: list, kept: dict[str, TabReport], root: Path,
                save: Callable[[], object], info: dict) -> None:
    """The tabs without a verdict `kept` from an earlier check run; on an interrupt every verdict
    so far is kept and the rest recorded interrupted."""
    try:
        _run_tabs(args, [(page, [(tab, r) for tab, r in tabs if r.key not in kept]) for page, tabs in checked], root, save)
    except BaseException as exc:
        why = interrupt_reason(exc)
        for _, tabs in checked:
            for _, report in tabs:
                pending = report.dynamic.startswith(("not run", "pending"))
                if pending and report.not_checkable is None and report.key not in kept:
                    report.findings = [finding for finding in report.findings if finding.kind != "dynamic"]
                    report.dynamic = f"interrupted: the check was interrupted ({why}) before this tab's run ended"
        info["ended"] = f"interrupted: {why}"
        save()
        raise


def print_verdicts(checked: list, pages: int) -> Counter:
    """Each tab's verdict and findings, the page x tab table, and the counts (returned)."""
    for page, tabs in checked:
        for _, report in tabs:
            _print_tab(page.path, report)
    reports = [report for _, tabs in checked for _, report in tabs]
    _print_table(checked)
    statuses = Counter(report.status for report in reports)
    kinds = Counter(finding.kind for report in reports for finding in report.findings)
    print(f"{pages} pages, {len(reports)} tabs: " + ", ".join(f"{statuses[s]} {s}" for s in VERDICTS if statuses[s])
          + "; findings: " + (", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "none"))
    return statuses


def _print_tab(page: Path, report: TabReport) -> None:
    group = f" [{report.group}]" if report.group else ""
    print(f"{page}:{report.line}: {report.tab}{group}: {report.status.upper()} ({report.why})")
    for finding in report.findings:
        print(f"    {page}:{finding.line}: {finding.kind}: {finding.message}")
        if finding.fix:
            print(f"        fix: `{finding.fix[0]}` -> `{finding.fix[1]}`")
    if report.dynamic == "drift" and report.observed:
        print("    the app's real lines, to paste:")
        for line in report.observed[:20]:
            print(f"        {line}")


def _run_tabs(args: argparse.Namespace, checked: list, root: Path, save: Callable[[], object]) -> None:
    """Every checkable tab of every page as a job, all in parallel as `validate` runs them, each
    judged (and the --json written) the moment it ends; then, for a tab whose apps failed, its
    quickstart's own README run, to tell a wrong page (drift) from a broken quickstart (could not
    check)."""
    runnable = [(tab, report) for _, tabs in checked for tab, report in tabs if report.not_checkable is None]
    if not runnable:
        return
    readmes = [quickstart for quickstart, report in runnable if report.kind == "readme"]
    toolchains = detect_toolchains(readmes)
    runtimes, cli_version, _ = runtime_versions(args, root)
    if len(runtimes) > 1:
        raise InputError("docs check runs with one runtime version, not a list", "--dapr-version")
    settings, _ = sidecar_settings(args, redis_arg(args.redis), runtimes[0], cli_version,
                                   build_slots=default_build_slots())
    printer = ProgressPrinter(verdicts=sys.stderr)
    undecided: list[tuple] = []
    with contextlib.ExitStack() as stack:
        plans, owners = [], {}
        for tab, report in runnable:
            if report.kind == "readme":  # its quickstart's own job, as validate runs it
                plan = plan_job(tab, toolchains)
                plans.append(plan)
                owners[plan.name] = (tab, report)
                continue
            plan = tab_plan(tab, report, root, stack.enter_context(tracked_tempdir("qsr-docs-")))
            if isinstance(plan, str):
                report.dynamic = f"skipped: {plan}"
                continue
            plans.append(plan)
            owners[plan.name] = (tab, report)

        def ended(result) -> None:  # on the worker thread of the tab that ended
            printer.verdict(result)
            tab, report = owners[result.quickstart]
            if not judge(report, result):
                undecided.append((tab, report, result))
                report.dynamic = f"pending: its quickstart's README run decides ({report.dynamic})"
            save()

        run_all(plans, settings, args.jobs, 0, printer, ended)
    folders = {folder for tab, _, _ in undecided if (folder := quickstart_folder(tab, root))}
    quickstarts = [qs for qs in discover(root) if qs.name in folders and qs.readme is not None]
    toolchains = detect_toolchains(quickstarts)
    readme_plans = [plan_job(qs, toolchains) for qs in quickstarts]
    readmes = dict(zip([qs.name for qs in quickstarts], run_all(readme_plans, settings, args.jobs, 0, printer,
                                                                 printer.verdict) if readme_plans else []))
    for tab, report, result in undecided:
        report.dynamic = report.dynamic.removeprefix("pending: its quickstart's README run decides (").removesuffix(")")
        judge_by_readme(tab, report, result, readmes.get(quickstart_folder(tab, root) or ""))
    save()


def _print_table(checked: list) -> None:
    """Page x tab: each cell the verdict of each of the tab's groups (`1 ok  2 drift`)."""
    names = list(dict.fromkeys(report.tab for _, tabs in checked for _, report in tabs))
    rows = [["PAGE", *names]]
    for page, tabs in checked:
        cells = {name: [] for name in names}
        for _, report in tabs:
            cells[report.tab].append(f"{report.group_index} {report.status}" if len({r.group_index for _, r in tabs}) > 1
                                     else report.status)
        label = f"{page.path.parent.name}/{page.path.name}" if is_readme(page.path) else page.path.name
        rows.append([label, *("  ".join(cells[name]) or "-" for name in names)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
