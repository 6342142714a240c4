"""`quickstart-runner docs check PAGE.md`: where a docs page's tabs drifted from the quickstarts."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from runner.cli.common import (checkout, parse_languages, redis_arg, report_args, say, sidecar_args,
                               sidecar_settings, source_args, source_info, write_reports)
from runner.docs.check import check_page, rewrite_outputs, tab_results
from runner.formats.docspage import load_page


def add_parser(commands) -> None:
    docs = commands.add_parser("docs", help="check a docs page against a quickstarts checkout")
    docs_commands = docs.add_subparsers(dest="docs_command", required=True)
    check = docs_commands.add_parser("check", help="find where a docs page's tabs drifted from the quickstarts")
    check.add_argument("page", type=Path)
    source_args(check)
    check.add_argument("--lang", action="append", default=[], help="only these tabs' languages")
    report_args(check)
    check.add_argument("--static-only", action="store_true", help="do not run the tabs' commands")
    check.add_argument("--write", action="store_true", help="rewrite drifted output blocks with the observed output")
    check.add_argument("--redis", help="use this Redis (HOST:PORT) instead of starting one per tab")
    sidecar_args(check)


def run(args: argparse.Namespace) -> int:
    page = load_page(args.page)
    languages = parse_languages(args.lang)
    source = checkout(args)
    settings = None
    if not args.static_only:
        settings, _ = sidecar_settings(args, redis_arg(args.redis))
    reports = check_page(page, source.root, settings, languages)
    for report in reports:
        verdict = "OK" if report.status == "ok" else "DRIFT"
        print(f"{args.page}:{report.line}: {report.tab}: {verdict} (dynamic: {report.dynamic})")
        for finding in report.findings:
            print(f"    {args.page}:{finding.line}: {finding.kind}: {finding.message}")
        if report.dynamic == "drift" and report.observed:
            print("    the app's real lines, to paste:")
            for line in report.observed[:20]:
                print(f"        {line}")
    drifted = [r for r in reports if r.status == "drift"]
    print(f"{len(reports) - len(drifted)} tabs ok, {len(drifted)} drifted")
    info = {"page": str(args.page), **source_info(source)}
    if args.json_path:
        args.json_path.write_text(json.dumps({**info, "tabs": [r.record() for r in reports]}, indent=2,
                                             ensure_ascii=False))
    write_reports(tab_results(page, reports), None, args.junit, args.html, info)
    if args.write:
        text = rewrite_outputs(page, reports)
        if text != "".join(page.lines):
            args.page.write_bytes(text.encode("utf-8"))
            say(f"rewrote output blocks in {args.page}")
    return 1 if drifted else 0
