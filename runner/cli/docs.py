"""`quickstart-runner docs check PAGE_OR_DIR...`: where docs pages' tabs drifted from the quickstarts."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections import Counter
from pathlib import Path

from runner.cli.args import jobs_arg, parse_languages, redis_arg, report_args, say, sidecar_args, source_args
from runner.cli.common import checkout, sidecar_settings, source_info, write_reports
from runner.docs.check import check_input, judge, page_reports, rewrite, scratch_dir, tab_plan, tab_results
from runner.formats.docspage import load_page
from runner.job.pool import run_all
from runner.report.console import ProgressPrinter
from runner.services.machine import default_build_slots
from runner.source.shards import parse_shard, shard

_VERDICT = {"ok": "OK", "drift": "DRIFT", "skipped": "SKIPPED", "not checkable": "NOT CHECKABLE"}


def configure(docs: argparse.ArgumentParser) -> None:
    docs_commands = docs.add_subparsers(dest="docs_command", required=True)
    check = docs_commands.add_parser("check", help="find where docs pages' tabs drifted from the quickstarts")
    check.add_argument("pages", type=Path, nargs="+", metavar="PAGE_OR_DIR")
    source_args(check)
    check.add_argument("--lang", action="append", default=[], help="only these tabs' languages")
    report_args(check)
    check.add_argument("--static-only", action="store_true", help="do not run the tabs' commands")
    check.add_argument("--write", action="store_true",
                       help="apply the certain fixes: drifted output blocks, moved `cd` targets and resources paths")
    check.add_argument("--redis", help="use this Redis (HOST:PORT) instead of starting one per tab")
    check.add_argument("-j", "--jobs", default="auto", help="tabs run at once (default auto, as validate)")
    check.add_argument("--shard", help="check and report only slice I of N of the tabs (I/N), for CI matrices")
    sidecar_args(check)


def run(args: argparse.Namespace) -> int:
    languages = parse_languages(args.lang)
    args.jobs = jobs_arg(args.jobs)
    slice_ = parse_shard(args.shard) if args.shard else None
    pages = [load_page(path) for path in check_input(args.pages)]  # every page read before anything runs
    source = checkout(args)
    root = source.root
    checked = [(page, page_reports(page, root, languages)) for page in pages]
    if slice_:  # each tab in exactly one shard, so merged shards report every finding once
        mine = {id(report) for report in shard([r for _, tabs in checked for _, r in tabs], *slice_, key=_tab_key)}
        checked = [(page, [(tab, r) for tab, r in tabs if id(r) in mine]) for page, tabs in checked]
    if not args.static_only:
        _run_tabs(args, checked, root)
    for page, tabs in checked:
        for tab, report in tabs:
            group = f" [{report.group}]" if report.group else ""
            print(f"{page.path}:{report.line}: {report.tab}{group}: {_VERDICT[report.status]} ({report.why})")
            for finding in report.findings:
                print(f"    {page.path}:{finding.line}: {finding.kind}: {finding.message}")
                if finding.fix:
                    print(f"        fix: `{finding.fix[0]}` -> `{finding.fix[1]}`")
            if report.dynamic == "drift" and report.observed:
                print("    the app's real lines, to paste:")
                for line in report.observed[:20]:
                    print(f"        {line}")
    reports = [report for _, tabs in checked for _, report in tabs]
    _print_table(checked)
    statuses = Counter(report.status for report in reports)
    kinds = Counter(finding.kind for report in reports for finding in report.findings)
    print(f"{len(pages)} pages, {len(reports)} tabs: " + ", ".join(f"{statuses[s]} {s}" for s in _VERDICT)
          + "; findings: " + (", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "none"))
    info = {"pages": [str(page.path) for page in pages], **source_info(source), "shard": args.shard}
    results = [result for page, tabs in checked for result in tab_results(page, [report for _, report in tabs])]
    if args.json_path:  # `jobs` too, so that `report merge` joins the shards of a docs run
        args.json_path.write_text(json.dumps({"schema": 1, "run": info, "tabs": [r.record() for r in reports],
                                              "jobs": [r.record() for r in results]}, indent=2, ensure_ascii=False))
    write_reports(results, None, args.junit, args.html, info)
    if args.write:
        for page, tabs in checked:
            text = rewrite(page, tabs)
            if text != "".join(page.lines):
                page.path.write_bytes(text.encode("utf-8"))
                say(f"rewrote {page.path}")
    return 1 if statuses["drift"] else 0


def _tab_key(report) -> str:
    return f"{report.page}/{report.tab}/{report.group_index}"


def _run_tabs(args: argparse.Namespace, checked: list, root: Path) -> None:
    """Every checkable tab of every page as a job, all in parallel as `validate` runs them."""
    runnable = [(tab, report) for _, tabs in checked for tab, report in tabs if report.not_checkable is None]
    if not runnable:
        return
    settings, _ = sidecar_settings(args, redis_arg(args.redis), build_slots=default_build_slots())
    with contextlib.ExitStack() as stack:
        plans, owners = [], []
        for tab, report in runnable:
            plan = tab_plan(tab, report, root, stack.enter_context(scratch_dir()))
            if isinstance(plan, str):
                report.dynamic = f"skipped: {plan}"
                continue
            plans.append(plan)
            owners.append((tab, report))
        printer = ProgressPrinter(verdicts=sys.stderr)
        for (tab, report), result in zip(owners, run_all(plans, settings, args.jobs, 0, printer, printer.verdict)):
            judge(tab, report, result)


def _print_table(checked: list) -> None:
    """Page x tab: each cell the verdict of each of the tab's groups (`1 ok  2 drift`)."""
    names = list(dict.fromkeys(report.tab for _, tabs in checked for _, report in tabs))
    rows = [["PAGE", *names]]
    for page, tabs in checked:
        cells = {name: [] for name in names}
        for _, report in tabs:
            cells[report.tab].append(f"{report.group_index} {report.status}" if len({r.group_index for _, r in tabs}) > 1
                                     else report.status)
        rows.append([page.path.name, *("  ".join(cells[name]) or "-" for name in names)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
